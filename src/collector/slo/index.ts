export { SloEngine, SloStateError, type SloEngineOptions } from './engine.js';
export type { SloEngineState } from './state.js';
export { sloWindows, scaledMs, type SloWindow } from './windows.js';
export { errorRatio, burnRate, errorBudgetRemaining } from './math.js';
export { compileSli, isInstrument, type CompiledSli, type EventCounts } from './sli.js';
