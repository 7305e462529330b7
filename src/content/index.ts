export { ContentStore, DEFAULT_INGEST_EXPIRY_MS, type BlobInfo, type BlobSource, type ExpectedBlob } from './store.js';
export { Digester, digestHex, isDigest, sha256Digest, validateDigest, type Digest } from './digest.js';
