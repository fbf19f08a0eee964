// worker_threads entry: register the TypeScript loader in this thread, then run the worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
