// Types from an OpenAPI document with openapi-typescript's Node API; binary schemas become Blob
// (the transform openapi-typescript's documentation gives for file bodies).
// Usage: node generate.mjs <openapi.json> <out.d.ts>
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";

const BLOB = ts.factory.createTypeReferenceNode(ts.factory.createIdentifier("Blob"));
const [source, target] = process.argv.slice(2);
const ast = await openapiTS(pathToFileURL(path.resolve(source)), {
  transform(schemaObject) {
    if (schemaObject.format === "binary") return BLOB;
    return undefined;
  },
});
fs.writeFileSync(target, astToString(ast));
