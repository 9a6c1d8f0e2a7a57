/** The rules verify checks a report against live in src/integrity, shared with a build's verify. */
export { integrityContext } from '../../integrity/versionContext';
