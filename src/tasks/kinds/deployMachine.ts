import type { DeployLinkRequest, MachineRef } from '../../connectors/connector';
import type { TaskDefinition } from '../taskDefinition';
import { versionOf } from './versionOf';

/** DeployMachine: the connector creates the packaging machine; every resource id lands in the state as soon as it is known. */
export const deployMachineTask: TaskDefinition = {
  kind: 'DeployMachine',
  steps: [
    {
      name: 'deploy',
      async run(ctx) {
        const p = ctx.task.params as { connector: string; request: DeployLinkRequest };
        const config = (await ctx.store.read()).connectors.find((c) => c.name === p.connector);
        if (!config) throw new Error(`connector "${p.connector}" was removed while the task ran`);
        const connector = await ctx.connector(config);
        if (!connector.deployMachine) throw new Error(`the ${config.type} connector cannot deploy machines`);
        const record = async (partial: MachineRef) => {
          await ctx.store.mutate((state) => {
            const task = state.tasks.find((t) => t.id === ctx.task.id)!;
            versionOf(state, task).version.machine = { ...partial };
          });
        };
        const machine: MachineRef = await connector.deployMachine({ ...p.request, linkExpiryMs: p.request.linkExpiryMs ?? undefined }, ctx.progress, record);
        await ctx.store.mutate((state) => {
          const task = state.tasks.find((t) => t.id === ctx.task.id)!;
          versionOf(state, task).version.machine = { ...machine };
          task.description = `Packaging machine ${machine.name} deployed and running.`;
        });
        return { machine };
      },
    },
  ],
  finish(_state, task) {
    task.state = 'Complete';
  },
  fail() {},
  cancel() {},
};
