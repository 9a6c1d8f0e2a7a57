import type { Context } from '../runtime/context';
import type { Prompter } from '../runtime/prompter';
import type { ConnectorConfig, Layer, State } from '../domain/state';
import type { ListedChoices } from './choices';
import type { LayerDraft } from './draft';

/** What every tab works on: the draft it completes and the state it picks from. */
export interface WizardState {
  ctx: Context;
  prompter: Prompter;
  draft: LayerDraft;
  /** The state as read, plus connectors added in the wizard (recorded with the layer). */
  state: State;
  existing?: Layer;
  newConnectors: ConnectorConfig[];
  /** The OS layer was picked in the wizard (not a flag): a later tab may ask for another version. */
  osAsked?: boolean;
  /** A tab was edited from Confirm and Complete: a plan that no longer fits goes back to a tab. */
  edited?: boolean;
  /** Max Layer Size was the offered default, kept: like no --max-size, the packaging disk does not grow to it. */
  maxSizeDefaulted?: boolean;
  /**
   * Set under --appliance: its platform types and connector disk formats, offered in place of
   * elm's lists. The appliance owns its connectors and icons (the tabs only pick them) and judges
   * its OS layers' IPv6 itself.
   */
  appliance?: ListedChoices;
}
