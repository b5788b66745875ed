// Validates Kubernetes manifests offline, like `kubeconform -strict`:
//   node infra/scripts/validate-manifests.mjs infra/k8s/*.yaml
// Each object is checked against the Kubernetes OpenAPI schema of its kind (kubernetes-models'
// validators: types, required fields, formats) and for fields the API does not know (the
// model classes of @kubernetes/client-node list every field of every type), which a schema
// check alone lets through. Prints one JSON line per object: { file, kind, name, errors }; exits
// 1 when any object has errors. ESM because kubernetes-models ships only ES modules.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import * as clientNode from '@kubernetes/client-node';

/** Kubernetes reads manifests as YAML 1.1 (sigs.k8s.io/yaml): `0440` is octal there. */
function parseManifests(text) {
  return parseAllDocuments(text, { version: '1.1' })
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('; '));
      return doc.toJS();
    })
    .filter((obj) => obj !== null);
}

/** kubernetes-models' module for an apiVersion: `v1` → kubernetes-models/v1, `apps/v1` → …/apps/v1. */
async function modelOf(apiVersion, kind) {
  const path = `kubernetes-models/${apiVersion}/${kind}`;
  try {
    const module = await import(path);
    return module[kind];
  } catch {
    return undefined;
  }
}

async function schemaErrors(obj) {
  const Model = await modelOf(obj.apiVersion, obj.kind);
  if (!Model) return [`no schema for apiVersion ${obj.apiVersion} kind ${obj.kind}`];
  try {
    new Model(obj).validate();
    return [];
  } catch (err) {
    const details = err.errors ?? [];
    return details.length > 0 ? details.map((e) => `${e.instancePath || '/'}: ${e.message}`) : [String(err.message)];
  }
}

/** The client-node model class of an object, e.g. apps/v1 Deployment → V1Deployment. */
function clientModelName(apiVersion, kind) {
  const version = apiVersion.split('/').pop();
  return version.charAt(0).toUpperCase() + version.slice(1) + kind;
}

const MAP_TYPE = /^\{ \[key: string\]: (.+); \}$/;
const ARRAY_TYPE = /^Array<(.+)>$/;

/** Paths of fields that the model of `type` does not declare, walking nested types. */
function unknownFields(value, type, path, out) {
  if (value === null || value === undefined) return out;
  const array = ARRAY_TYPE.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((item, i) => unknownFields(item, array[1], `${path}[${i}]`, out));
    return out;
  }
  const map = MAP_TYPE.exec(type);
  if (map) {
    if (typeof value === 'object') for (const [key, item] of Object.entries(value)) unknownFields(item, map[1], `${path}.${key}`, out);
    return out;
  }
  const model = clientNode[type];
  if (typeof model?.getAttributeTypeMap !== 'function' || typeof value !== 'object' || Array.isArray(value)) return out;
  const attributes = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [key, item] of Object.entries(value)) {
    const attributeType = attributes.get(key);
    if (attributeType === undefined) out.push(`${path ? path + '.' : ''}${key}: unknown field`);
    else unknownFields(item, attributeType, path ? `${path}.${key}` : key, out);
  }
  return out;
}

async function validateObject(obj) {
  if (typeof obj?.apiVersion !== 'string' || typeof obj?.kind !== 'string') return ['apiVersion and kind are required'];
  const errors = await schemaErrors(obj);
  const modelName = clientModelName(obj.apiVersion, obj.kind);
  if (!clientNode[modelName]) errors.push(`no field list for ${modelName}`);
  else errors.push(...unknownFields(obj, modelName, '', []));
  return errors;
}

async function main(files) {
  let failed = false;
  for (const file of files) {
    let objects;
    try {
      objects = parseManifests(readFileSync(file, 'utf8'));
    } catch (err) {
      process.stdout.write(JSON.stringify({ file, errors: [`YAML: ${err.message}`] }) + '\n');
      failed = true;
      continue;
    }
    for (const obj of objects) {
      const errors = await validateObject(obj);
      failed ||= errors.length > 0;
      process.stdout.write(JSON.stringify({ file, kind: obj?.kind, name: obj?.metadata?.name, errors }) + '\n');
    }
  }
  process.exitCode = failed ? 1 : 0;
}

await main(process.argv.slice(2));
