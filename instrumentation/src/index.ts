export * from "./contract.js";
export * from './errors.js';
export * from './classify/index.js';
