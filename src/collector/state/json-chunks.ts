/**
 * JSON text of a value as many small strings instead of one: a snapshot of a million readings is
 * larger than the longest string V8 can build (`Invalid string length`), and building it in one go
 * would stall every request for as long. Big arrays (and the few objects at the top) are walked;
 * everything else is one `JSON.stringify` call each.
 *
 * A number JSON cannot represent (Infinity, NaN) is an error, not `null`: a snapshot holding one
 * would be refused when it is read back, so it must never be written.
 */

export class NonFiniteError extends Error {
  constructor(key: string, value: number) {
    super(`a non-finite number (${value}) at ${JSON.stringify(key)} cannot be written as JSON`);
    this.name = 'NonFiniteError';
  }
}

/** Arrays longer than this are walked element by element. */
const WALK = 64;
/** Objects this close to the top (the snapshot and its sections) are walked key by key. */
const OBJECT_DEPTH = 2;

/**
 * An array whose elements are made only as they are written: a compact copy of many small
 * records (a pusher's readings) costs a few flat arrays instead of an object per record, so taking
 * the copy holds up requests for less. `JSON.stringify` writes it as the array it stands for.
 */
export abstract class LazyJsonArray<T> {
  abstract readonly length: number;
  abstract at(i: number): T;

  toJSON(): T[] {
    const out = new Array<T>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.at(i);
    return out;
  }
}

function finiteOnly(key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new NonFiniteError(key, value);
  return value;
}

function stringify(value: unknown): string {
  return JSON.stringify(value, finiteOnly) ?? 'null';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

/** An array worth walking: long itself, or holding one that is (a pusher's readings, at any depth). */
function walkable(a: readonly unknown[]): boolean {
  if (a.length > WALK) return true;
  for (const x of a) if (bigArray(x)) return true;
  return false;
}

function bigArray(x: unknown): boolean {
  return x instanceof LazyJsonArray || (Array.isArray(x) && walkable(x));
}

/** Elements written by one `JSON.stringify` call while walking a big array. */
const RUN = 256;

/** The JSON text of `value` (as `JSON.stringify` would write it), in pieces. */
export function* jsonChunks(value: unknown, depth = 0): Generator<string> {
  if (value instanceof LazyJsonArray) {
    yield '[';
    for (let i = 0; i < value.length; i += RUN) {
      const run: unknown[] = [];
      for (let j = i; j < Math.min(value.length, i + RUN); j++) run.push(value.at(j));
      yield `${i > 0 ? ',' : ''}${stringify(run).slice(1, -1)}`;
    }
    yield ']';
    return;
  }
  if (Array.isArray(value) && walkable(value)) {
    yield '[';
    let i = 0;
    while (i < value.length) {
      if (i > 0) yield ',';
      const x: unknown = value[i];
      if (bigArray(x) || (depth + 1 < OBJECT_DEPTH && isPlainObject(x))) {
        yield* jsonChunks(x, depth + 1);
        i++;
        continue;
      }
      // A run of small elements in one call (JSON.stringify writes a slot it cannot hold as null).
      let end = i + 1;
      while (end < value.length && end - i < RUN && !bigArray(value[end])) end++;
      yield stringify(value.slice(i, end)).slice(1, -1);
      i = end;
    }
    yield ']';
    return;
  }
  if (depth < OBJECT_DEPTH && isPlainObject(value)) {
    yield '{';
    let first = true;
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      yield `${first ? '' : ','}${JSON.stringify(k)}:`;
      first = false;
      yield* jsonChunks(v, depth + 1);
    }
    yield '}';
    return;
  }
  yield stringify(value);
}
