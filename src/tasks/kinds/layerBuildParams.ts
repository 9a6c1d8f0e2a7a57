import type { VersionRepository } from '../../domain/state';
import type { BuildStep } from '../../layerBuild/buildSpec';

/** The packaging machine of a build, as the spec's machine: section gives it. */
export interface MachineParams {
  name?: string;
  size?: string;
  vnet?: string;
  subnet?: string;
}

/** What `layer build` records for the worker: the steps (scripts inline) and secret *names* only. */
export interface LayerBuildParams {
  connector: string;
  /** The version's CreatePackagingDisk task, which the build runs as its first step. */
  createTaskId: string;
  steps: BuildStep[];
  /** Secret name → environment variable name; values are read at run time and never stored. */
  secrets: Record<string, string>;
  layerName: string;
  /** The spec's finalize.comment: the comment of the finalize that closes a build on the file share. */
  finalizeComment?: string;
  /** Set when elm runs the steps on the machine itself (Azure); absent on the file share (a script by hand). */
  remote?: {
    machine: MachineParams;
    keepMachineOnFailure: boolean;
    finalizeComment: string;
    user: string;
    /** The finalize task's repository folder, chosen by the command (it knows the home's layout). */
    repositoryDir: string;
    /** That folder and where it is, for a connector whose finalize writes there (absent in builds older elms recorded). */
    repository?: VersionRepository;
  };
}
