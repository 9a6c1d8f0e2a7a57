import { UsageError } from '../domain/errors';
import { detectImageFormat } from '../domain/icons';
import { readInputFile } from '../runtime/inputFile';

const MAX_ICON_BYTES = 1024 * 1024;

/** Reads and checks an icon file (icon import, the wizard's Icon Assignment tab); nothing is written. */
export async function readIconFile(file: string): Promise<{ abs: string; bytes: Buffer; format: 'png' | 'jpg' }> {
  const { abs, bytes } = await readInputFile(file, 'Icon file', 'give the path of a PNG or JPG file');
  if (bytes.length > MAX_ICON_BYTES) throw new UsageError(`Icon file ${abs} is ${Math.round(bytes.length / 1024)} KiB; icons must be at most 1 MiB.`);
  const detected = detectImageFormat(bytes.subarray(0, 32));
  if (!detected) throw new UsageError(`Icon file ${abs} is not a PNG or JPG image (checked by its content, not its name); export it as PNG or JPG.`);
  // The signature alone is not an image: the console would show a broken icon.
  const { jpegProblem, pngProblem } = await import('./iconImage.js');
  const damage = detected.format === 'png' ? await pngProblem(bytes) : jpegProblem(bytes);
  if (damage) throw new UsageError(`Icon file ${abs} is not a whole ${detected.format === 'png' ? 'PNG' : 'JPG'} image: it ${damage}; export it again as PNG or JPG.`);
  return { abs, bytes, format: detected.format };
}
