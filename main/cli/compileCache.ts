// Node keeps the compiled code of the modules a command loads (module.enableCompileCache, Node
// 22.1+, in the system's temporary folder): from the second run on, a command's modules, loaded
// when it runs, are not compiled again. Imported by cli.ts before the rest of its modules.
import module from 'node:module';

module.enableCompileCache?.();
