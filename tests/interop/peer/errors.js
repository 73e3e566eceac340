// The error a control call answers with: an HTTP status, a message and details.

export class ControlError extends Error {
  constructor(status, message, details = undefined) {
    super(message);
    this.status = status;
    this.details = details;
  }
}
