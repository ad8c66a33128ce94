export { verifyBlock, blockMatches, BlockHashMismatchError, UnsupportedHashError, DEFAULT_MAX_BLOCK_BYTES, SHA2_256, IDENTITY } from './verify.js'
export { openCarStream, DEFAULT_MAX_HEADER_BYTES } from './stream.js'
export type { CarStream, CarBlock, CarStreamOptions } from './stream.js'
