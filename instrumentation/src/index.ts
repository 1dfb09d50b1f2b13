export * from "./contract.js";
export * from './errors.js';
export * from './classify/index.js';
export * from './reference/index.js';
