/** Report freshness lives in src/integrity, shared with a build's verify. */
export { freshnessOf, staleReportError } from '../../integrity/versionFreshness';
