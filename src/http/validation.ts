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
    return refuseUnstorableText(ajv.compile(schema as object)) as ReturnType<FastifySchemaCompiler<unknown>>;
  };
}

type Validator = ((data: unknown) => boolean) & { errors?: unknown[] | null };

/**
 * PostgreSQL text cannot hold U+0000, and UTF-8 cannot hold a lone UTF-16
 * surrogate (JSON's `"\ud800"`): either reaching a query failed it (a 500), or
 * was silently stored as U+FFFD. Input that passed its schema is refused here
 * instead, as a 400 naming the field, for every body, query string and path
 * parameter alike.
 */
function refuseUnstorableText(validate: Validator): Validator {
  const wrapped: Validator = (data) => {
    if (!validate(data)) {
      wrapped.errors = validate.errors ?? null;
      return false;
    }
    const found = unstorableText(data, "");
    if (found === null) {
      wrapped.errors = null;
      return true;
    }
    wrapped.errors = [{ keyword: "text", instancePath: found.path, schemaPath: "#", params: {}, message: found.message }];
    return false;
  };
  return wrapped;
}

type WellFormed = string & { isWellFormed(): boolean };

function textProblem(text: string): string | null {
  if (text.includes("\u0000")) return "must not contain NUL characters";
  // Node 20 has String.prototype.isWellFormed; TypeScript's ES2023 lib does not declare it.
  if (!(text as WellFormed).isWellFormed()) return "must be valid Unicode (no unpaired surrogate)";
  return null;
}

/** The JSON pointer of the first string (or key) PostgreSQL cannot store as text, and why. */
function unstorableText(value: unknown, path: string): { path: string; message: string } | null {
  if (typeof value === "string") {
    const message = textProblem(value);
    return message === null ? null : { path, message };
  }
  if (value === null || typeof value !== "object") return null;
  for (const [key, child] of Object.entries(value)) {
    const childPath = `${path}/${key}`;
    const message = textProblem(key);
    if (message !== null) return { path: childPath, message };
    const found = unstorableText(child, childPath);
    if (found !== null) return found;
  }
  return null;
}
