import { Ajv, type Options } from "ajv";
import addFormatsModule from "ajv-formats";
import type { FastifySchemaCompiler } from "fastify";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * Two validators: bodies are checked strictly (no type coercion, no silently
 * dropped fields: `"true"` is not a boolean and an unknown field is an error);
 * query strings and path params are text, so they are coerced.
 */
function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: false, useDefaults: false, removeAdditional: false, ...options });
  addFormats(ajv);
  return ajv;
}

export function createValidatorCompiler(sharedSchemas: () => object[]): FastifySchemaCompiler<unknown> {
  const strict = makeAjv({ coerceTypes: false });
  const coercing = makeAjv({ coerceTypes: "array" });
  let loaded = false;
  return ({ schema, httpPart }) => {
    if (!loaded) {
      for (const s of sharedSchemas()) {
        strict.addSchema(s);
        coercing.addSchema(s);
      }
      loaded = true;
    }
    const ajv = httpPart === "body" ? strict : coercing;
    return refuseNul(ajv.compile(schema as object)) as ReturnType<FastifySchemaCompiler<unknown>>;
  };
}

type Validator = ((data: unknown) => boolean) & { errors?: unknown[] | null };

/**
 * PostgreSQL text cannot hold U+0000: a NUL that reached a query would fail it
 * (a 500). Input that passed its schema is refused here instead, as a 400 naming
 * the field, for every body, query string and path parameter alike.
 */
function refuseNul(validate: Validator): Validator {
  const wrapped: Validator = (data) => {
    if (!validate(data)) {
      wrapped.errors = validate.errors ?? null;
      return false;
    }
    const at = nulPath(data, "");
    if (at === null) {
      wrapped.errors = null;
      return true;
    }
    wrapped.errors = [{ keyword: "nul", instancePath: at, schemaPath: "#", params: {}, message: "must not contain NUL characters" }];
    return false;
  };
  return wrapped;
}

/** The JSON pointer of the first string (or key) holding U+0000, or null. */
function nulPath(value: unknown, path: string): string | null {
  if (typeof value === "string") return value.includes("\u0000") ? path : null;
  if (value === null || typeof value !== "object") return null;
  for (const [key, child] of Object.entries(value)) {
    const childPath = `${path}/${key}`;
    if (key.includes("\u0000")) return childPath;
    const found = nulPath(child, childPath);
    if (found !== null) return found;
  }
  return null;
}
