import type { Task } from '../domain/state';
import type { TaskDefinition } from './taskDefinition';

/** The task-kind table: loads only the definition a task needs (params: for kinds whose steps depend on them). */
export async function loadTaskDefinition(kind: Task['kind'], params: Task['params'] = {}): Promise<TaskDefinition> {
  switch (kind) {
    case 'CreatePackagingDisk':
      return (await import('./kinds/createPackagingDisk.js')).createPackagingDiskTask;
    case 'Finalize':
      return (await import('./kinds/finalize.js')).finalizeTask;
    case 'DeployMachine':
      return (await import('./kinds/deployMachine.js')).deployMachineTask;
    case 'LayerBuild':
      // Its steps come from the build spec: one recorded step per build step.
      return (await import('./kinds/layerBuild.js')).layerBuildDefinition(params);
    case 'Publish':
      // A vSphere template takes other steps than an image file.
      if (params.kind === 'vsphereTemplate' || params.kind === 'vsphereLibraryItem') return (await import('./kinds/publishTemplate.js')).publishTemplateTask;
      return (await import('./kinds/publish.js')).publishTask;
  }
}
