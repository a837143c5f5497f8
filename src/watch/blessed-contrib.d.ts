/**
 * The part of blessed-contrib (no published types) that the dashboard uses: the line chart and the table.
 * Both are blessed boxes; their canvas/column sizes are computed when attached, so a resize re-emits
 * 'attach' (see screen.ts).
 */
declare module 'blessed-contrib' {
  import type { Widgets } from 'blessed';

  interface LineSeries {
    title: string;
    x: string[];
    y: number[];
    style?: { line?: string };
  }

  interface LineElement extends Widgets.BoxElement {
    options: Record<string, unknown> & { maxY?: number; minY?: number };
    setData(data: LineSeries[]): void;
    /** Blanks the canvas. */
    clear(): void;
  }

  interface TableElement extends Widgets.BoxElement {
    options: Record<string, unknown> & { columnWidth: number[] };
    setData(data: { headers: string[]; data: (string | number)[][] }): void;
  }

  const contrib: {
    line(options: Record<string, unknown>): LineElement;
    table(options: Record<string, unknown>): TableElement;
  };
  export default contrib;
  export type { LineElement, LineSeries, TableElement };
}
