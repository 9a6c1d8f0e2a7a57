import type { Task } from '../domain/state';
import type { TaskDefinition } from './taskDefinition';

/** The task-kind table: loads only the definition a task needs. */
export async function loadTaskDefinition(kind: Task['kind']): Promise<TaskDefinition> {
  switch (kind) {
    case 'CreatePackagingDisk':
      return (await import('./kinds/createPackagingDisk.js')).createPackagingDiskTask;
    case 'Finalize':
      return (await import('./kinds/finalize.js')).finalizeTask;
    case 'DeployMachine':
      return (await import('./kinds/deployMachine.js')).deployMachineTask;
    case 'LayerBuild':
      return (await import('./kinds/layerBuild.js')).layerBuildTask;
  }
}
