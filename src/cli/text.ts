/** "1 job", "3 jobs": counts in messages for people. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
