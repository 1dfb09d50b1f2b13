/** See test-env.mjs. */
export function testEnv(env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
