import { InvalidInputError } from './errors.js'

export interface PinNameValues {
  owner: string
  repo: string
  sha: string
  /** Pull request number, empty outside pull requests. */
  pr: string
}

const PLACEHOLDER = /\{([^{}]*)\}/g
const NAMES = ['owner', 'repo', 'sha', 'sha7', 'pr']
/** Services cap pin names (the Pinning Service API at 255 characters). */
export const MAX_PIN_NAME_LENGTH = 255

/** Fails on placeholders we would not fill in, so a typo does not become part of every pin's name. */
export function checkPinNameTemplate (template: string): void {
  for (const [, name] of template.matchAll(PLACEHOLDER)) {
    if (!NAMES.includes(name)) {
      throw new InvalidInputError(`Input \`pin-name\`: unknown placeholder {${name}}; use ${NAMES.map(n => `{${n}}`).join(', ')}.`)
    }
  }
}

/** `{owner}-{repo}-{sha7}` → `octo-site-1a2b3c4`. */
export function expandPinName (template: string, values: PinNameValues): string {
  const filled = template.replace(PLACEHOLDER, (_, name: string) => name === 'sha7' ? values.sha.slice(0, 7) : values[name as keyof PinNameValues] ?? '')
  return filled.slice(0, MAX_PIN_NAME_LENGTH)
}
