// map — the OpenLayers map: a base map, our vector tiles, the chosen parcel.
//
// The base map is any XYZ raster URL (OpenStreetMap by default). When it
// cannot be reached (offline, blocked) its tiles simply fail and stay blank;
// nothing waits on them, so our own layers still draw.
//
// Our layers come from `lis serve` as Mapbox Vector Tiles. Each layer's
// TileJSON (/tiles/{layer}.json) says where its tiles are and from which
// zoom; a layer whose TileJSON does not answer is left out, and the rest of
// the page (search, clicks, cards) works without it. Features are styled by
// the MVT layer they come in (their `layer` property) and by geometry kind:
// points are label points (a parcel's number, drawn once), polygons are
// boundaries.
import 'ol/ol.css';
import Map from 'ol/Map.js';
import View from 'ol/View.js';
import TileLayer from 'ol/layer/Tile.js';
import XYZ from 'ol/source/XYZ.js';
import VectorTileLayer from 'ol/layer/VectorTile.js';
import VectorTileSource from 'ol/source/VectorTile.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import MVT from 'ol/format/MVT.js';
import Feature from 'ol/Feature.js';
import Point from 'ol/geom/Point.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import { Style, Stroke, Fill, Text, Circle as CircleStyle } from 'ol/style.js';
import { fromLonLat, toLonLat, transformExtent } from 'ol/proj.js';
import { defaults as defaultControls, ScaleLine } from 'ol/control.js';
import { defaults as defaultInteractions } from 'ol/interaction/defaults.js';
import { isEmpty } from 'ol/extent.js';
import { api } from './api.js';

// The tile layers we ask for, bottom to top. `labels` holds one point per
// parcel with its number; the communes tiles carry their own name points
// (MVT layer `commune-labels`). Points in any layer are drawn as labels.
const TILE_LAYERS = ['communes', 'planning', 'parcels', 'labels'];

const styles = {
  commune: new Style({
    stroke: new Stroke({ color: '#7a1f5c', width: 2, lineDash: [8, 4] }),
  }),
  planning: new Style({
    fill: new Fill({ color: 'rgba(230, 140, 30, 0.25)' }),
    stroke: new Stroke({ color: 'rgba(200, 110, 0, 0.9)', width: 1.5 }),
  }),
  parcel: new Style({
    fill: new Fill({ color: 'rgba(255, 255, 255, 0.01)' }), // clickable inside, not only on the line
    stroke: new Stroke({ color: '#b3261e', width: 1 }),
  }),
  result: new Style({
    fill: new Fill({ color: 'rgba(10, 88, 202, 0.12)' }),
    stroke: new Stroke({ color: '#0a58ca', width: 2 }),
  }),
  selected: new Style({
    fill: new Fill({ color: 'rgba(255, 214, 0, 0.35)' }),
    stroke: new Stroke({ color: '#0a58ca', width: 4 }),
  }),
  clicked: new Style({
    image: new CircleStyle({ radius: 5, fill: new Fill({ color: '#0a58ca' }), stroke: new Stroke({ color: '#fff', width: 2 }) }),
  }),
};

const labelStyle = new Style({
  text: new Text({
    font: '12px system-ui, sans-serif',
    fill: new Fill({ color: '#5c0f0b' }),
    stroke: new Stroke({ color: 'rgba(255,255,255,0.9)', width: 3 }),
    overflow: false,
  }),
});

const communeLabel = new Style({
  text: new Text({
    font: 'bold 13px system-ui, sans-serif',
    fill: new Fill({ color: '#5a1544' }),
    stroke: new Stroke({ color: 'rgba(255,255,255,0.9)', width: 3 }),
  }),
});

function labelOf(f) {
  return f.get('number') ?? f.get('label') ?? f.get('name') ?? '';
}

function tileStyle(feature, resolution) {
  const layer = String(feature.get('layer') || '');
  const kind = feature.getType ? feature.getType() : feature.getGeometry().getType();
  if (kind === 'Point' || kind === 'MultiPoint') {
    const s = layer.startsWith('commune') ? communeLabel : labelStyle;
    s.getText().setText(String(labelOf(feature)));
    return s;
  }
  if (layer.startsWith('commune')) return styles.commune;
  if (layer.startsWith('planning')) return styles.planning;
  void resolution;
  return styles.parcel;
}

export class PortalMap {
  constructor(target, config, { onClick } = {}) {
    this.config = config;
    this.tileLayers = {};   // name → VectorTileLayer, for the layers that answered
    this.tileStats = {};    // name → { loaded, failed }: read by the browser tests
    this.basemapStats = { loaded: 0, failed: 0 };
    this.view = new View({
      center: fromLonLat(config.center),
      zoom: config.zoom,
      maxZoom: 21,
      constrainResolution: false,
    });
    const bm = config.basemap;
    this.basemap = new TileLayer({
      source: new XYZ({
        url: bm.url,
        attributions: bm.attribution,
        maxZoom: bm.maxZoom || 19,
        crossOrigin: null,
        transition: 0,
      }),
      zIndex: 0,
      visible: Boolean(bm.url), // an operator may turn the base map off
    });
    this.basemap.getSource().on('tileloadend', () => this.basemapStats.loaded++);
    this.basemap.getSource().on('tileloaderror', () => this.basemapStats.failed++);

    this.selection = new VectorSource();
    this.selectionLayer = new VectorLayer({ source: this.selection, style: styles.selected, zIndex: 50 });
    this.results = new VectorSource();
    this.resultsLayer = new VectorLayer({ source: this.results, style: styles.result, zIndex: 49 });
    this.clickMark = new VectorSource();
    this.clickLayer = new VectorLayer({ source: this.clickMark, style: styles.clicked, zIndex: 51 });
    this.map = new Map({
      target,
      layers: [this.basemap, this.resultsLayer, this.selectionLayer, this.clickLayer],
      view: this.view,
      controls: defaultControls({ attributionOptions: { collapsible: true, collapsed: false } })
        .extend([new ScaleLine()]),
      interactions: defaultInteractions({ onFocusOnly: false }),
      keyboardEventTarget: target,
    });
    this.map.on('singleclick', (e) => {
      const [lon, lat] = toLonLat(e.coordinate);
      this.markClick(e.coordinate);
      if (onClick) onClick(lon, lat);
    });
    // Enter on the focused map looks up the parcel under the map's centre,
    // so a keyboard alone can do what a click does.
    target.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' || e.target !== target) return;
      const c = this.view.getCenter();
      const [lon, lat] = toLonLat(c);
      this.markClick(c);
      if (onClick) onClick(lon, lat);
    });
    this.hint = document.createElement('div');
    this.hint.className = 'map-hint';
    this.hint.hidden = true;
    target.append(this.hint);
    this.map.on('moveend', () => this.drawHint());
    this.ready = this.addTileLayers();
  }

  // "Zoom in to see parcels", while the parcels layer is there but not yet drawn.
  drawHint(text) {
    if (text !== undefined) this.hintText = text;
    const l = this.tileLayers.parcels;
    const show = !!l && (this.view.getZoom() ?? 0) <= l.getMinZoom();
    this.hint.hidden = !show;
    this.hint.textContent = show ? this.hintText || '' : '';
  }

  // The titles OpenLayers gives its buttons, in the page's language.
  translateControls(t) {
    const set = (sel, key) => {
      for (const b of this.map.getTargetElement().querySelectorAll(sel)) {
        b.title = t(key);
        b.setAttribute('aria-label', t(key));
      }
    };
    set('.ol-zoom-in', 'map.zoomIn');
    set('.ol-zoom-out', 'map.zoomOut');
    set('.ol-attribution button', 'map.attribution');
    this.drawHint(t('map.zoomForParcels'));
  }

  async addTileLayers() {
    const answers = await Promise.all(TILE_LAYERS.map((name) => api.tileJSON(name).then(
      (tj) => [name, tj], (err) => [name, null, err])));
    let z = 10;
    for (const [name, tj] of answers) {
      if (!tj || !Array.isArray(tj.tiles) || tj.tiles.length === 0) continue;
      // Resolved against the page; URL() escapes the template's braces, so put them back.
      const url = new URL(tj.tiles[0], location.href).href.replace(/%7B/gi, '{').replace(/%7D/gi, '}');
      const stats = { loaded: 0, failed: 0 };
      this.tileStats[name] = stats;
      const source = new VectorTileSource({
        format: new MVT(),
        url,
        maxZoom: tj.maxzoom ?? 22,
        attributions: tj.attribution || undefined,
        transition: 0,
      });
      source.on('tileloadend', () => stats.loaded++);
      source.on('tileloaderror', () => stats.failed++);
      const layer = new VectorTileLayer({
        source,
        style: tileStyle,
        declutter: name !== 'planning', // names and numbers must not pile up
        // OpenLayers' minZoom is exclusive: a layer from zoom 14 shows at 14 itself.
        minZoom: typeof tj.minzoom === 'number' && tj.minzoom > 0 ? tj.minzoom - 1e-6 : undefined,
        zIndex: z++,
        renderMode: 'hybrid',
        properties: { name },
      });
      this.tileLayers[name] = layer;
      this.map.addLayer(layer);
      if (name === 'planning') layer.setVisible(this.planningVisible ?? false);
      if (name === 'communes' && Array.isArray(tj.bounds) && tj.bounds.length === 4) {
        this.provinceExtent = transformExtent(tj.bounds, 'EPSG:4326', 'EPSG:3857');
      }
    }
    this.drawHint();
    return Object.keys(this.tileLayers);
  }

  setPlanningVisible(on) {
    this.planningVisible = on;
    const l = this.tileLayers.planning;
    if (l) l.setVisible(on);
  }

  fitProvince() {
    if (this.provinceExtent && !isEmpty(this.provinceExtent)) {
      this.view.fit(this.provinceExtent, { padding: [20, 20, 20, 20] });
    }
  }

  markClick(coordinate) {
    this.clickMark.clear();
    if (!coordinate) return;
    this.clickMark.addFeature(new Feature(new Point(coordinate)));
  }

  // Show a parcel's GeoJSON geometry (WGS 84) as the selection; with fly,
  // move the view to it. Returns the selection's extent in EPSG:3857.
  select(geometry, { fly = false } = {}) {
    this.selection.clear();
    if (!geometry) return null;
    const feature = new GeoJSON().readFeature({ type: 'Feature', geometry, properties: {} },
      { dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });
    this.selection.addFeature(feature);
    const extent = feature.getGeometry().getExtent();
    if (fly) {
      this.clickMark.clear();
      const size = this.map.getSize() || [360, 360];
      const pad = Math.round(Math.min(size[0], size[1]) * 0.15);
      this.view.fit(extent, { padding: [pad, pad, pad, pad], maxZoom: 19, duration: 500 });
    }
    return extent;
  }

  // Outline search results (parcels with GeoJSON geometry) and, with fit,
  // bring them all into view.
  showResults(parcels, { fit = false } = {}) {
    this.results.clear();
    const format = new GeoJSON();
    for (const p of parcels) {
      if (!p.geometry) continue;
      const f = format.readFeature({ type: 'Feature', id: p.id, geometry: p.geometry, properties: {} },
        { dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });
      this.results.addFeature(f);
    }
    if (fit && this.results.getFeatures().length) {
      const size = this.map.getSize() || [360, 360];
      const pad = Math.round(Math.min(size[0], size[1]) * 0.1);
      this.view.fit(this.results.getExtent(), { padding: [pad, pad, pad, pad], maxZoom: 18, duration: 400 });
    }
  }

  clearSelection() {
    this.selection.clear();
    this.clickMark.clear();
  }

  // Centre the view on a WGS 84 point, at a zoom when given.
  centerOn(lon, lat, zoom) {
    if (zoom !== undefined) this.view.setZoom(zoom);
    this.view.setCenter(fromLonLat([lon, lat]));
  }

  // The pixel of a WGS 84 point in the map's viewport (for tests and keyboard use).
  pixelOf(lon, lat) {
    return this.map.getPixelFromCoordinate(fromLonLat([lon, lat]));
  }

  // Ids of the tile features of `layerName` drawn at a viewport pixel.
  featuresAt(pixel, layerName = 'parcels') {
    const layer = this.tileLayers[layerName];
    if (!layer) return [];
    return this.map.getFeaturesAtPixel(pixel, { layerFilter: (l) => l === layer, hitTolerance: 0 })
      .map((f) => ({ id: f.getId(), properties: Object.fromEntries(
        Object.entries(f.getProperties()).filter(([k]) => k !== 'geometry')) }));
  }
}
