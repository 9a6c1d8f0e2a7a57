/** The ARM fake's template engine: expressions, parameter validation, dependency order. */
import { ArmError } from '../support/azure/errors';
import { planDeployment, PlanContext } from '../support/azure/templateEngine';
import { packagingVmTemplate } from '../support/azure';

const ctx: PlanContext = {
  subscriptionId: 'sub-1',
  tenantId: 'tenant-1',
  resourceGroup: { id: '/subscriptions/sub-1/resourceGroups/rg1', name: 'rg1', location: 'westeurope', tags: {} },
  deploymentName: 'd1',
};

const template = (resources: unknown[], extra: Record<string, unknown> = {}) => ({
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  contentVersion: '1.0.0.0',
  resources,
  ...extra,
});

const errorOf = (fn: () => unknown): ArmError => {
  try {
    fn();
  } catch (e) {
    return e as ArmError;
  }
  throw new Error('expected an error');
};

it('evaluates parameters, variables, concat, format, resourceId and resourceGroup()', () => {
  const plan = planDeployment(
    template(
      [
        {
          type: 'Microsoft.Network/networkInterfaces',
          apiVersion: '2023-09-01',
          name: "[concat(parameters('name'), '-nic')]",
          location: '[resourceGroup().location]',
          tags: { layer: "[parameters('name')]", label: "[format('{0}@{1}', parameters('name'), variables('v'))]", literal: '[[not-an-expression]' },
          properties: {
            subnet: "[resourceId('net-rg', 'Microsoft.Network/virtualNetworks/subnets', 'vnet', 'default')]",
            upper: "[toUpper(variables('v'))]",
            pick: "[if(equals(parameters('count'), 2), 'two', 'other')]",
            nested: "[variables('obj').inner[1]]",
            unique: "[uniqueString(resourceGroup().id)]",
          },
        },
      ],
      {
        parameters: { name: { type: 'string' }, count: { type: 'int', defaultValue: 2 } },
        variables: { v: "[concat('v', string(parameters('count')))]", obj: { inner: ['a', 'b'] } },
      },
    ),
    { name: { value: 'pkg' } },
    ctx,
  );
  const nic = plan.resources[0];
  expect(nic.id).toBe('/subscriptions/sub-1/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/pkg-nic');
  expect(nic.location).toBe('westeurope');
  expect(nic.tags).toEqual({ layer: 'pkg', label: 'pkg@v2', literal: '[not-an-expression]' });
  expect(nic.properties).toMatchObject({
    subnet: '/subscriptions/sub-1/resourceGroups/net-rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default',
    upper: 'V2',
    pick: 'two',
    nested: 'b',
  });
  expect(nic.properties.unique).toMatch(/^[a-z2-7]{13}$/);
  expect(plan.parameters).toEqual({ name: { type: 'String', value: 'pkg' }, count: { type: 'Int', value: 2 } });
});

it('orders resources by dependsOn and resolves it to ids', () => {
  const plan = planDeployment(
    packagingVmTemplate(),
    Object.fromEntries(
      Object.entries({ vmName: 'pkg-01', virtualNetworkName: 'v', sourceVhdUri: 'https://x/y.vhd', storageAccountId: '/s', resourceTags: { a: '1' } }).map(([k, value]) => [
        k,
        { value },
      ]),
    ),
    ctx,
  );
  expect(plan.resources.map((r) => r.type)).toEqual(['Microsoft.Network/networkInterfaces', 'Microsoft.Compute/disks', 'Microsoft.Compute/virtualMachines']);
  expect(plan.resources[2].dependsOn).toEqual([plan.resources[0].id, plan.resources[1].id]);
  expect(plan.resources.every((r) => r.tags.a === '1')).toBe(true);
});

it('validates parameters the way ARM does', () => {
  const t = template([], { parameters: { size: { type: 'string', allowedValues: ['S', 'M'] }, n: { type: 'int' } } });
  expect(errorOf(() => planDeployment(t, { size: { value: 'S' } }, ctx)).message).toMatch(/The value for the template parameter 'n'/);
  expect(errorOf(() => planDeployment(t, { size: { value: 'XL' }, n: { value: 1 } }, ctx)).message).toMatch(/not part of the allowed value/);
  expect(errorOf(() => planDeployment(t, { size: { value: 'S' }, n: { value: '1' } }, ctx)).message).toMatch(/Expected a value of type 'Integer'/);
  expect(errorOf(() => planDeployment(t, { size: { value: 'S' }, n: { value: 1 }, extra: { value: 1 } }, ctx)).message).toMatch(
    /The template parameters 'extra' in the parameters file are not valid/,
  );
  const err = errorOf(() => planDeployment({ contentVersion: '1.0.0.0', resources: [] }, {}, ctx));
  expect(err).toMatchObject({ status: 400, code: 'InvalidTemplate' });
});

it('refuses unknown functions, undefined dependencies, cycles and copy loops', () => {
  const res = (name: string, extra: Record<string, unknown> = {}) => ({ type: 'Microsoft.Network/networkInterfaces', apiVersion: '1', name, ...extra });
  expect(errorOf(() => planDeployment(template([res("[nope('x')]")]), {}, ctx)).message).toMatch(/The template function 'nope' is not valid/);
  expect(errorOf(() => planDeployment(template([res('a', { dependsOn: ['ghost'] })]), {}, ctx)).message).toMatch(/The resource 'ghost' is not defined in the template/);
  expect(errorOf(() => planDeployment(template([res('a', { dependsOn: ['b'] }), res('b', { dependsOn: ['a'] })]), {}, ctx)).message).toMatch(/Circular dependency/);
  expect(errorOf(() => planDeployment(template([res('a', { copy: { name: 'c', count: 2 } })]), {}, ctx)).message).toMatch(/copy/);
  expect(errorOf(() => planDeployment(template([res('a', { apiVersion: undefined })]), {}, ctx)).message).toMatch(/Required property 'apiVersion'/);
});

it('skips resources whose condition is false and flattens child resources', () => {
  const plan = planDeployment(
    template([
      { type: 'Microsoft.Network/networkInterfaces', apiVersion: '1', name: 'skip', condition: '[false()]' },
      {
        type: 'Microsoft.Network/virtualNetworks',
        apiVersion: '1',
        name: 'vnet',
        resources: [{ type: 'subnets', apiVersion: '1', name: 'default' }],
      },
    ]),
    {},
    ctx,
  );
  expect(plan.resources.map((r) => `${r.type} ${r.name}`)).toEqual(['Microsoft.Network/virtualNetworks vnet', 'Microsoft.Network/virtualNetworks/subnets vnet/default']);
  expect(plan.resources[1].dependsOn).toEqual([plan.resources[0].id]);
});
