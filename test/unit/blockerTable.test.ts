import fs from 'node:fs';
import path from 'node:path';
import { BLOCKER_IDS, BLOCKERS } from '../../src/integrity/blockers';

/** The README's blocker table, as the operator reads it: one row per id, the same words verify prints. */
const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('### Layer integrity blockers'));
const rows = new Map(
  [...section.matchAll(/^\| `(\w+)` \| (.*) \| (.*) \| (.*) \|$/gm)].map((m) => [m[1], { message: m[2], reads: m[3], remedy: m[4] }]),
);

test('the README has a row for every blocker, in the order verify knows them', () => {
  expect([...rows.keys()]).toEqual([...BLOCKER_IDS]);
});

test.each([...BLOCKER_IDS])('README row %s says what elm says: message, what is read, fix', (id) => {
  expect(rows.get(id)).toEqual({ message: BLOCKERS[id].message, reads: BLOCKERS[id].reads, remedy: BLOCKERS[id].remedy });
});
