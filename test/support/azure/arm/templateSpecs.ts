/**
 * Microsoft.Resources/templateSpecs/{name}/versions/{version} (Template Spec Versions - Get,
 * https://learn.microsoft.com/en-us/rest/api/resources/template-spec-versions/get):
 *   GET /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Resources/templateSpecs/{name}/versions/{version}
 *       200 TemplateSpecVersion: properties.mainTemplate (the ARM template), linkedTemplates,
 *       description; 404 when the spec or the version does not exist.
 * The api-versions the REST reference lists (2019-06-01-preview, 2021-03-01-preview, 2021-05-01,
 * 2022-02-01); any other is refused as ARM refuses an unknown one (400 InvalidApiVersionParameter).
 * Tests add versions with fake.addTemplateSpecVersion(); deployments read them through
 * templateLink.id (arm/deployments.ts).
 */
import type { FakeCloud } from '../cloud';
import { ArmError } from '../errors';
import type { Router } from '../http';
import { apiVersionOf, requireResourceGroup } from './common';

export const TEMPLATE_SPEC_API_VERSIONS = ['2019-06-01-preview', '2021-03-01-preview', '2021-05-01', '2022-02-01'];

export interface TemplateSpecVersionRecord {
  id: string;
  resourceGroup: string;
  spec: string;
  version: string;
  location: string;
  mainTemplate: Record<string, unknown>;
}

export function templateSpecVersionId(cloud: FakeCloud, resourceGroup: string, spec: string, version: string): string {
  return `/subscriptions/${cloud.subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Resources/templateSpecs/${spec}/versions/${version}`;
}

/** The version a templateLink.id or a GET names (ids are case-insensitive in ARM), or undefined. */
export function findTemplateSpecVersion(cloud: FakeCloud, id: string): TemplateSpecVersionRecord | undefined {
  return cloud.templateSpecVersions.get(id.toLowerCase());
}

export function templateSpecRoutes(cloud: FakeCloud, router: Router): void {
  router.add('GET', '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Resources/templateSpecs/{name}/versions/{version}', (req) => {
    const v = apiVersionOf(req);
    if (!TEMPLATE_SPEC_API_VERSIONS.includes(v))
      throw new ArmError(400, 'InvalidApiVersionParameter', `The api-version '${v}' is invalid. The supported versions are '${TEMPLATE_SPEC_API_VERSIONS.join(',')}'.`);
    requireResourceGroup(cloud, req.params.rg);
    const r = findTemplateSpecVersion(cloud, templateSpecVersionId(cloud, req.params.rg, req.params.name, req.params.version));
    if (!r) throw new ArmError(404, 'ResourceNotFound', `The Resource 'Microsoft.Resources/templateSpecs/${req.params.name}/versions/${req.params.version}' under resource group '${req.params.rg}' was not found.`);
    return {
      status: 200,
      body: {
        id: r.id,
        name: r.version,
        type: 'Microsoft.Resources/templateSpecs/versions',
        location: r.location,
        properties: { mainTemplate: structuredClone(r.mainTemplate), linkedTemplates: [] },
      },
    };
  });
}
