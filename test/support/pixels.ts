// What a part of the screen looks like, as numbers: a screenshot's pixels read back in a blank
// page of the same browser (Chromium decodes the PNG), to say how far a selection changed them.
import type { Page } from 'playwright-core';

/** The average colour (r, g, b) of a screenshot of `clip` on `page`. */
export async function averageColour(
  page: Page,
  clip: { x: number; y: number; width: number; height: number },
): Promise<[number, number, number]> {
  const png = (await page.screenshot({ clip })).toString('base64');
  const blank = await page.context().browser()!.newPage();
  try {
    return await blank.evaluate(async (base64) => {
      const blob = await (await fetch(`data:image/png;base64,${base64}`)).blob();
      const bitmap = await createImageBitmap(blob);
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const context = canvas.getContext('2d')!;
      context.drawImage(bitmap, 0, 0);
      const { data } = context.getImageData(0, 0, bitmap.width, bitmap.height);
      const sum = [0, 0, 0];
      for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) sum[c]! += data[i + c]!;
      const n = data.length / 4;
      return [sum[0]! / n, sum[1]! / n, sum[2]! / n] as [number, number, number];
    }, png);
  } finally {
    await blank.close();
  }
}

/** How far apart two colours are: the sum of the channels' differences (0 to 765). */
export const colourDistance = (a: [number, number, number], b: [number, number, number]) =>
  Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2]);
