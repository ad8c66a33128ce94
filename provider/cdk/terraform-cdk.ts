/**
 * The CDK library this build targets. The one source compiles twice (scripts/build-cdk.mjs): as written, against
 * CDK Terrain (`cdktn`), and with this module swapped for `export * from 'cdktf'`. Every other file imports the
 * library through here and uses only what both libraries share, so importing `pinship/cdktn` never loads `cdktf`
 * and the reverse.
 */
export * from 'cdktn'
