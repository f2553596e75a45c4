// An export shown on a terminal: its text passed through forTerminal as it streams by.
import { StringDecoder } from 'node:string_decoder';
import { Transform } from 'node:stream';
import { forTerminal } from '../../shared/visibleText.js';

/** A stream of UTF-8 text (an export) on its way to a terminal, passed through forTerminal with its lines kept. */
export function terminalStream(): Transform {
  const decoder = new StringDecoder('utf8');
  let heldCr = ''; // a CR at the end of a chunk: whether it ends a line, the next chunk says
  const show = (text: string, last: boolean) => {
    const whole = heldCr + text;
    heldCr = !last && whole.endsWith('\r') ? '\r' : '';
    return forTerminal(heldCr ? whole.slice(0, -1) : whole, { keepLines: true });
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      done(null, show(decoder.write(chunk), false));
    },
    flush(done) {
      done(null, show(decoder.end(), true));
    },
  });
}
