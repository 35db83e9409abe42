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
    return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
  };
}
