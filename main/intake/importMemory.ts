// A process that imports and does nothing else (omv import) keeps V8's young generation at the
// size it starts with. An import allocates fast for minutes, and V8 doubles the young generation
// each time as much as it holds has survived collections since it last grew — a few kB at a time
// here, but it adds up — until its limit (Node 24: 64 MB a semi-space, two of them): the import's
// peak memory rose with the length of the file, 231–247 MB at 1M entries, 360 MB at 5M. Held at
// its first size, the 5M import peaked at 242 MB in the same time (53 s; its young objects die
// young, so collecting them often costs next to nothing). The setting is read when the young
// generation would grow, so it takes effect now, for every thread of the process (the parser
// thread's is capped at 8 MB anyway); a process serving the desk is left as V8 tunes it.
import { setFlagsFromString } from 'node:v8';

export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
