export { allowConsole } from './console-guard.ts';
