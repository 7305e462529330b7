export { applyLayer, removeStaleUnpacks, unpackLayer, type ExpectedLayer, type LayerBlob, type UnpackOptions, type UnpackResult } from './unpack.js';
export { detectCompression, type LayerCompression } from './compression.js';
export { OPAQUE_XATTR, USER_OPAQUE_XATTR, RootOverlayMarkers, type OverlayMarkers } from './overlay-markers.js';
export type { WhiteoutMode } from './tree.js';
