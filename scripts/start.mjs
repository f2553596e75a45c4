// npm start (after the build): the desktop app where Electron can run, else browser mode with one
// line that says why. See main/electron/launcher.ts.
import { start } from '../dist/main/electron/launcher.js';

await start(process.argv.slice(2));
