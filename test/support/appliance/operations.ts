/**
 * The request shapes the fake accepts: for each operation elm uses, its one wrapper element and the
 * fields inside it with their XML Schema types. An operation not listed here is answered as ASMX
 * answers an unknown SOAPAction; a field not listed, of the wrong type or missing when required is
 * a SOAP fault (see envelope.ts).
 */
/** `xsiType`: an empty element whose xsi:type attribute names one of `types`; `longArray`: an ArrayOfLong (`<long>` children). */
export type FieldType = 'string' | 'boolean' | 'long' | 'int' | 'xsiType' | 'longArray';

export interface FieldRule {
  type: FieldType;
  required?: boolean;
  /** For xsiType: the derived types the WSDL allows. */
  types?: string[];
}

export interface OperationRule {
  wrapper: 'command' | 'query';
  fields: Record<string, FieldRule>;
}

export const OPERATIONS: Record<string, OperationRule> = {
  // elm_client.go `type Login struct` (Command *LoginCommand `xml:"command"`) and `type LoginCommand
  // struct` (UserName, Password, Culture string; RememberMe bool). UserName and Password being
  // required is inferred: the appliance cannot log in without them.
  Login: {
    wrapper: 'command',
    fields: { UserName: { type: 'string', required: true }, Password: { type: 'string', required: true }, Culture: { type: 'string' }, RememberMe: { type: 'boolean' } },
  },
  // ctxal-sdk Public/get-alSysteminfo.ps1: <query><IncludeNetworkInfo>false</IncludeNetworkInfo></query>.
  QueryManagementApplianceDetailsWithParam: { wrapper: 'query', fields: { IncludeNetworkInfo: { type: 'boolean' } } },
  // ctxal-sdk Public/get-alremoteshare.ps1: an empty <query/>.
  QueryRemoteFileShares: { wrapper: 'query', fields: {} },
  // elm_client.go soap_helpers.go GetPlatformConnectorConfigId sends an empty PlatformConnectorConfigSummaryQuery.
  QueryPlatformConnectorConfigSummary: { wrapper: 'query', fields: {} },
  // ctxal-sdk Public/get-aloslayer.ps1 and get-alplatformlayer.ps1: <ResourceFarmId>0</ResourceFarmId><Filter/>;
  // soap_helpers.go GetOsLayerId sends OsLayersQuery{Filter}. ResourceFarmId as xsd:long is inferred from the "Id" fields' int64.
  QueryOsLayers: { wrapper: 'query', fields: { ResourceFarmId: { type: 'long' }, Filter: { type: 'string' } } },
  QueryPlatformLayers: { wrapper: 'query', fields: { ResourceFarmId: { type: 'long' }, Filter: { type: 'string' } } },
  // elm_client.go `type QueryPlatformLayerDetails struct` (Query *LayerDetailsQuery) and soap_helpers.go
  // (LayerDetailsQuery{Id: int64}); ctxal-sdk get-alplatformlayerDetail.ps1 / get-aloslayerdetail.ps1: <query><Id>.
  QueryPlatformLayerDetails: { wrapper: 'query', fields: { Id: { type: 'long', required: true } } },
  QueryOsLayerDetails: { wrapper: 'query', fields: { Id: { type: 'long', required: true } } },
  // ctxal-sdk get-alicon.ps1: an empty <query/>.
  QueryLayerIcons: { wrapper: 'query', fields: {} },
  // soap_helpers.go queryWorkTicketByFilter: <query><Filter xsi:type="WorkTicketsQueryByActiveFilter"/></query>
  // (or ...ByCompletedFilter); elm_client.go WorkTicketsQuery{Filter *WorkTicketsQueryFilter}.
  QueryWorkTicketsAsPendingOp: {
    wrapper: 'query',
    fields: { Filter: { type: 'xsiType', required: true, types: ['WorkTicketsQueryByActiveFilter', 'WorkTicketsQueryByCompletedFilter'] } },
  },
  // ctxal-sdk stop-alworkticket.ps1: <command><WorkTicketIds><long>ID</long></WorkTicketIds><Force>false</Force></command>.
  CancelWorkTickets: { wrapper: 'command', fields: { WorkTicketIds: { type: 'longArray', required: true }, Force: { type: 'boolean' } } },
};

/** Whether a text is a valid value of the XML Schema type, as .NET's XmlSerializer reads it. */
export function validValue(type: FieldType, value: string): boolean {
  switch (type) {
    case 'string':
    case 'xsiType':
    case 'longArray':
      return true;
    case 'boolean':
      return value === 'true' || value === 'false' || value === '1' || value === '0';
    case 'long':
    case 'int':
      return /^[+-]?\d+$/.test(value.trim()) && (type === 'long' || Math.abs(Number(value)) <= 2147483647);
  }
}
