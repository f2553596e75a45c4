// `--as NAME`: who the audit trail records a command's action under. Every command takes it:
// main/cli.ts takes it off the command line before the command reads its own flags (this module
// loads nothing, so taking it costs the start-up nothing).
import { UsageError } from './usageError.js';

let actingAs: string | undefined;

/** The name --as gave, if any. */
export function actingAsName(): string | undefined {
  return actingAs;
}

/** The arguments without `--as NAME` (or `--as=NAME`); after `--` everything is the command's. */
export function takeActingAs(args: readonly string[]): string[] {
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      rest.push(...args.slice(i));
      break;
    }
    if (arg === '--as' || arg.startsWith('--as=')) {
      const name = arg === '--as' ? args[++i] : arg.slice('--as='.length);
      if (name === undefined || name.trim() === '') throw new UsageError('--as takes the name to record the action under');
      actingAs = name.trim();
    } else rest.push(arg);
  }
  return rest;
}
