/** bcrypt off the event loop: a login must not stall every other request for ~285 ms. */
export interface PasswordHasher {
  compare(password: string, hash: string): Promise<boolean>;
  hash(password: string, cost: number): Promise<string>;
  /** Stops the workers; pending calls reject. */
  close(): Promise<void>;
}
