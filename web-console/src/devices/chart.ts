// Turns telemetry points into an SVG polyline for the 24-hour sparkline. Pure, so it is tested.

export interface Series {
  at: number;
  value: number;
}

/** Points scaled into a width×height box; time runs left to right over [from, to]. */
export function polyline(
  series: readonly Series[],
  from: number,
  to: number,
  min: number,
  max: number,
  width: number,
  height: number,
): string {
  const spanT = Math.max(1, to - from);
  const spanV = max - min || 1;
  return series
    .map((p) => {
      const x = ((p.at - from) / spanT) * width;
      const y = height - ((Math.min(max, Math.max(min, p.value)) - min) / spanV) * height;
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}
