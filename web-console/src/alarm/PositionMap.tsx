// A position on a real map (Leaflet) from the tile source the centre configures, with the reported
// point and its accuracy circle. Without tiles (no internet, a tile server down) the map gives way
// to the coordinates and an "open in map" link, which are always shown beneath it too.

import type { Position } from '@trygg/firmware-protocol';
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import { useEffect, useRef, useState } from 'react';
import { mapLink, useConsoleSettings } from '../app/settings.ts';
import { useI18n } from '../i18n/i18n.tsx';

/** A tile source that has sent no tile by then is taken as unreachable. */
const TILE_WAIT_MS = 8000;

type Tiles = 'loading' | 'loaded' | 'failed';

export function PositionMap({ position, testId = 'position-map' }: { position: Position; testId?: string }) {
  const { t, locale } = useI18n();
  const settings = useConsoleSettings();
  const box = useRef<HTMLDivElement>(null);
  const [tiles, setTiles] = useState<Tiles>('loading');
  const { lat, lon, accuracyM } = position;

  useEffect(() => {
    if (!settings || !box.current) return;
    setTiles('loading');
    const map = L.map(box.current, { scrollWheelZoom: false });
    const layer = L.tileLayer(settings.map.tileUrl, { attribution: settings.map.attribution, maxZoom: 19 });
    let loaded = 0;
    layer.on('tileload', () => {
      loaded += 1;
      setTiles('loaded');
    });
    layer.on('tileerror', () => {
      if (loaded === 0) setTiles('failed');
    });
    const radius = Math.max(accuracyM, 1);
    // The view first (from the accuracy in metres): layers need a view to be projected.
    map.fitBounds(L.latLng(lat, lon).toBounds(radius * 2), { maxZoom: 17, padding: [24, 24] });
    L.circle([lat, lon], { radius, className: 'map-accuracy-area' }).addTo(map);
    L.circleMarker([lat, lon], { radius: 7, className: 'map-position' }).addTo(map);
    layer.addTo(map);
    // The page lays itself out after the map is made: keep the position in the middle of the box.
    const resized = new ResizeObserver(() => {
      map.invalidateSize({ pan: false });
      map.setView([lat, lon], map.getZoom(), { animate: false });
    });
    resized.observe(box.current);
    const timer = setTimeout(() => {
      if (loaded === 0) setTiles('failed');
    }, TILE_WAIT_MS);
    return () => {
      clearTimeout(timer);
      resized.disconnect();
      map.remove();
    };
  }, [settings, lat, lon, accuracyM]);

  // Without the settings (the centre did not answer) there is no tile source: coordinates only.
  useEffect(() => {
    if (settings) return;
    const timer = setTimeout(() => setTiles('failed'), TILE_WAIT_MS);
    return () => clearTimeout(timer);
  }, [settings]);

  const fmt = new Intl.NumberFormat(locale, { maximumFractionDigits: 5, minimumFractionDigits: 5 });
  return (
    <figure className="map" data-testid={testId} data-tiles={tiles}>
      <div
        ref={box}
        className="map-leaflet"
        role="img"
        aria-label={t('map.label')}
        hidden={tiles === 'failed'}
        data-testid={`${testId}-leaflet`}
      />
      {tiles === 'failed' && (
        <p className="sub" data-testid={`${testId}-no-tiles`}>
          {t('backoffice.map.noTiles')}
        </p>
      )}
      <figcaption>
        {t('map.caption', { lat: fmt.format(lat), lon: fmt.format(lon), accuracy: Math.round(accuracyM) })}{' '}
        {settings && (
          <a
            href={mapLink(settings.map.linkUrl, lat, lon)}
            target="_blank"
            rel="noopener noreferrer"
            data-testid={`${testId}-link`}
          >
            {t('backoffice.map.open')}
          </a>
        )}
      </figcaption>
    </figure>
  );
}
