import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { AppError, zodFields, type ErrorBody } from '../../shared/errors.js';

function send(reply: FastifyReply, status: number, body: ErrorBody): void {
  if (body.retryAfter !== undefined) void reply.header('retry-after', String(body.retryAfter));
  void reply.status(status).type('application/json; charset=utf-8').send(body);
}

/**
 * One error handler for the whole server: an AppError becomes its own body and status;
 * Fastify's request errors (bad JSON, too large, wrong media type, bad URL) become the
 * matching 4xx code; anything else is a bug, logged and answered with a bare 500.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler(handleError);
}

/** Also Fastify's `frameworkErrors` hook, which sees bad URLs before any route. */
export function handleError(
  error: FastifyError | AppError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  {
    if (error instanceof AppError) {
      send(reply, error.status, error.toBody());
      return;
    }
    if (error instanceof ZodError) {
      send(reply, 400, {
        code: 'VALIDATION_FAILED',
        message: 'The request is not valid.',
        fields: zodFields(error),
      });
      return;
    }
    const status = (error as FastifyError).statusCode;
    if (status === 413) {
      send(reply, 413, { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large.' });
      return;
    }
    if (status === 415) {
      send(reply, 415, { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send JSON (application/json).' });
      return;
    }
    if (status === 404) {
      send(reply, 404, { code: 'NOT_FOUND', message: 'Not found.' });
      return;
    }
    if (status !== undefined && status >= 400 && status < 500) {
      send(reply, 400, { code: 'VALIDATION_FAILED', message: 'The request could not be read.' });
      return;
    }
    request.log.error({ err: error }, 'unexpected error');
    send(reply, 500, { code: 'INTERNAL', message: 'Something went wrong on the server.' });
  }
}

/**
 * Fastify's `clientErrorHandler`: a request Node's HTTP parser cannot read (a broken request
 * line, a bad header, headers too large) never reaches a route. It still gets the platform's
 * coded JSON body, as every other refusal does, and the connection is closed.
 */
export function handleClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let body: ErrorBody = { code: 'VALIDATION_FAILED', message: 'The request could not be read.' };
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    body = { code: 'PAYLOAD_TOO_LARGE', message: 'The request headers are too large.' };
  } else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    body = { code: 'VALIDATION_FAILED', message: 'The request took too long to arrive.' };
  }
  const json = JSON.stringify(body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : status === 431 ? 'Request Header Fields Too Large' : 'Request Timeout'}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
    );
  }
  socket.destroy();
}
