/**
 * The schema's fields as data: each object key of `configSchema` with its dotted path and the
 * one-line description given with `.describe()` in schema.ts. The commented `config.libsonnet`
 * is rendered from these, and the docs test checks docs/configuration.md names each of them.
 */
import type { z } from 'zod';

export interface SchemaField {
  /** Dotted path without list indices, e.g. `collector.limits.maxSeries`. */
  readonly path: string;
  /** The `.describe()` text, or undefined when the field has none. */
  readonly description: string | undefined;
  /** Whether the field holds a list (its elements' fields follow with the same prefix). */
  readonly list: boolean;
  /** Whether the field belongs to a list's elements (`slos.objective`): only the list is commented. */
  readonly inList: boolean;
}

type Def = { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; in?: z.ZodType; element?: z.ZodType; options?: z.ZodType[] };
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The first description on the way through wrappers (default, prefault, optional, pipe). */
function describe(schema: z.ZodType): { description: string | undefined; list: boolean } {
  let s: z.ZodType | undefined = schema;
  let description: string | undefined;
  for (let i = 0; s && i < 10; i++) {
    description ??= s.description;
    const def = defOf(s);
    if (def.type === 'array') return { description, list: true };
    s = def.innerType ?? def.in;
  }
  return { description, list: false };
}

/** Every object key in `schema`, depth first, in declaration order. */
export function schemaFields(schema: z.ZodType, prefix = '', inList = false): SchemaField[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'object':
      return Object.entries(def.shape!).flatMap(([k, v]) => {
        const field = { path: prefix + k, ...describe(v), inList };
        return [field, ...schemaFields(v, `${prefix}${k}.`, inList || field.list)];
      });
    case 'default':
    case 'prefault':
    case 'optional':
    case 'pipe':
      return schemaFields((def.innerType ?? def.in)!, prefix, inList);
    case 'array':
      return schemaFields(def.element!, prefix, inList);
    case 'union':
      return def.options!.flatMap((o) => schemaFields(o, prefix, inList));
    default:
      return [];
  }
}
