/** Names for a message: up to eight, then an ellipsis (a state may hold thousands). */
export function listSome(names: string[]): string {
  return names.length > 8 ? `${names.slice(0, 8).join(', ')}, …` : names.join(', ');
}
