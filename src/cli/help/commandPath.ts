import type { Command } from 'commander';

/** The words that name a command after `elm` ("layer version add"; "" for elm itself). */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
