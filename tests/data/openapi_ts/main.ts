// A push/pull round trip through a client generated from the OpenAPI document (openapi-typescript
// types, openapi-fetch calls): push a blob in one POST, read it back, compare the bytes; push an
// OCI manifest naming it, read it back. Usage: node main.js <base URL>; prints "ok" or throws.
import createClient from "openapi-fetch";
import type { paths } from "./schema.js";

declare const process: { argv: string[] };

async function sha256(data: Uint8Array<ArrayBuffer>): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return "sha256:" + Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

async function main(baseUrl: string): Promise<void> {
  const client = createClient<paths>({ baseUrl });
  const name = "typescript/round-trip";
  const data = new TextEncoder().encode("bytes pushed by a generated TypeScript client\n");
  const digest = await sha256(data);

  const pushed = await client.POST("/v2/{name}/blobs/uploads/", {
    params: { path: { name }, query: { digest } },
    body: new Blob([data]),
    bodySerializer: (body) => body,
    headers: { "Content-Type": "application/octet-stream" },
  });
  check(pushed.response.status === 201, `blob push answered ${pushed.response.status}`);

  const pulled = await client.GET("/v2/{name}/blobs/{digest}", {
    params: { path: { name, digest } },
    parseAs: "arrayBuffer",
  });
  check(pulled.response.status === 200, `blob pull answered ${pulled.response.status}`);
  const back = new Uint8Array(pulled.data as ArrayBuffer);
  check(back.length === data.length && back.every((b, i) => b === data[i]), "blob bytes differ");

  const config = new TextEncoder().encode("{}");
  const configDigest = await sha256(config);
  const configPush = await client.POST("/v2/{name}/blobs/uploads/", {
    params: { path: { name }, query: { digest: configDigest } },
    body: new Blob([config]),
    bodySerializer: (body) => body,
    headers: { "Content-Type": "application/octet-stream" },
  });
  check(configPush.response.status === 201, `config push answered ${configPush.response.status}`);
  const manifest = {
    schemaVersion: 2 as const,
    mediaType: "application/vnd.oci.image.manifest.v1+json" as const,
    config: { mediaType: "application/vnd.oci.empty.v1+json", digest: configDigest, size: config.length },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest, size: data.length }],
  };
  const put = await client.PUT("/v2/{name}/manifests/{reference}", {
    params: { path: { name, reference: "v1" } },
    body: manifest,
    headers: { "Content-Type": manifest.mediaType },
  });
  check(put.response.status === 201, `manifest push answered ${put.response.status}`);
  const got = await client.GET("/v2/{name}/manifests/{reference}", {
    params: { path: { name, reference: "v1" } },
    headers: { Accept: manifest.mediaType },
    parseAs: "json",
  });
  check(got.response.status === 200, `manifest pull answered ${got.response.status}`);
  check(JSON.stringify(got.data) === JSON.stringify(manifest), "manifest differs");
  console.log("ok");
}

await main(process.argv[2]);
