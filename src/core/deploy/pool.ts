/** A bounded pool: at most `size` tasks run at once, the rest wait their turn in order. */
export interface Pool {
  run: <T>(task: () => Promise<T>) => Promise<T>
}

export function createPool (size: number): Pool {
  let active = 0
  const waiting: Array<() => void> = []
  const next = (): void => {
    if (active >= size) return
    const start = waiting.shift()
    if (start !== undefined) { active++; start() }
  }
  return {
    run: async <T>(task: () => Promise<T>): Promise<T> => await new Promise<T>((resolve, reject) => {
      waiting.push(() => {
        task().then(resolve, reject).finally(() => { active--; next() })
      })
      next()
    })
  }
}
