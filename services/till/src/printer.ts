// A receipt printer on the register, through the browser's Web Serial or WebUSB (Chromium-based
// browsers on desktops and Android; not Safari or Firefox). "Connect printer" asks the browser for
// a port or a USB printer (its own chooser, which needs a tap); the browser remembers the grant and
// the till remembers which one it was, so later prints need no prompt. Printing writes the receipt's
// ESC/POS bytes and closes the port again. Every failure becomes a sentence a cashier can act on.
import type { TillDb } from './db.ts';

export type PrinterKind = 'serial' | 'usb';

/** What the till remembers (IndexedDB meta `printer`); the grant itself is the browser's. */
export interface RememberedPrinter {
  kind: PrinterKind;
  name: string;
  usbVendorId?: number;
  usbProductId?: number;
}

// The parts of Web Serial and WebUSB the till uses (TypeScript's DOM types have neither).
interface SerialPortLike {
  getInfo(): { usbVendorId?: number; usbProductId?: number };
  open(options: { baudRate: number }): Promise<void>;
  close(): Promise<void>;
  readonly writable: WritableStream<Uint8Array> | null;
}
interface SerialLike {
  requestPort(options?: object): Promise<SerialPortLike>;
  getPorts(): Promise<SerialPortLike[]>;
}
interface UsbEndpointLike {
  endpointNumber: number;
  direction: 'in' | 'out';
  type: 'bulk' | 'interrupt' | 'isochronous';
}
interface UsbInterfaceLike {
  interfaceNumber: number;
  alternate: { interfaceClass: number; endpoints: UsbEndpointLike[] };
}
interface UsbDeviceLike {
  vendorId: number;
  productId: number;
  productName?: string;
  manufacturerName?: string;
  configuration: { interfaces: UsbInterfaceLike[] } | null;
  open(): Promise<void>;
  close(): Promise<void>;
  selectConfiguration(value: number): Promise<void>;
  claimInterface(number: number): Promise<void>;
  releaseInterface(number: number): Promise<void>;
  transferOut(endpoint: number, data: Uint8Array): Promise<{ status: string }>;
}
interface UsbLike {
  requestDevice(options: { filters: object[] }): Promise<UsbDeviceLike>;
  getDevices(): Promise<UsbDeviceLike[]>;
}
export interface PrinterApis {
  serial?: SerialLike;
  usb?: UsbLike;
}

/** The browser's printer APIs, where it has them (secure contexts in Chromium-based browsers). */
export function browserPrinterApis(): PrinterApis {
  const nav = navigator as Navigator & { serial?: SerialLike; usb?: UsbLike };
  return { ...(nav.serial ? { serial: nav.serial } : {}), ...(nav.usb ? { usb: nav.usb } : {}) };
}

/** Most receipt printers' serial default; USB-serial adapters ignore it. */
export const SERIAL_BAUD_RATE = 9600;
/** The USB device class of printers. */
const USB_PRINTER_CLASS = 7;
const PRINTER_KEY = 'printer';

export class PrinterError extends Error {}

export async function rememberedPrinter(db: TillDb): Promise<RememberedPrinter | undefined> {
  return (await db.get('meta', PRINTER_KEY)) as RememberedPrinter | undefined;
}

export async function forgetPrinter(db: TillDb): Promise<void> {
  await db.delete('meta', PRINTER_KEY);
}

/** Asks the browser for a printer of `kind` (its chooser), and remembers the one chosen. */
export async function connectPrinter(
  db: TillDb,
  kind: PrinterKind,
  apis: PrinterApis = browserPrinterApis(),
): Promise<RememberedPrinter> {
  let printer: RememberedPrinter;
  try {
    if (kind === 'serial') {
      if (!apis.serial) throw new PrinterError(unsupported('serial'));
      const info = (await apis.serial.requestPort()).getInfo();
      printer = {
        kind,
        name: info.usbVendorId
          ? `Serial printer (USB ${hex(info.usbVendorId)}:${hex(info.usbProductId ?? 0)})`
          : 'Serial printer',
        ...(info.usbVendorId === undefined ? {} : { usbVendorId: info.usbVendorId }),
        ...(info.usbProductId === undefined ? {} : { usbProductId: info.usbProductId }),
      };
    } else {
      if (!apis.usb) throw new PrinterError(unsupported('usb'));
      const device = await apis.usb.requestDevice({ filters: [{ classCode: USB_PRINTER_CLASS }] });
      printer = {
        kind,
        name: [device.manufacturerName, device.productName].filter(Boolean).join(' ') || 'USB printer',
        usbVendorId: device.vendorId,
        usbProductId: device.productId,
      };
    }
  } catch (error) {
    throw asPrinterError(error, 'connect');
  }
  await db.put('meta', printer, PRINTER_KEY);
  return printer;
}

/** Writes `bytes` to the remembered printer (granted before: no prompt). */
export async function printBytes(
  db: TillDb,
  bytes: Uint8Array,
  apis: PrinterApis = browserPrinterApis(),
): Promise<RememberedPrinter> {
  const printer = await rememberedPrinter(db);
  if (!printer)
    throw new PrinterError('No receipt printer is connected: connect one under Sync → Receipt printer.');
  try {
    if (printer.kind === 'serial') await writeSerial(printer, bytes, apis);
    else await writeUsb(printer, bytes, apis);
  } catch (error) {
    throw asPrinterError(error, 'print');
  }
  return printer;
}

async function writeSerial(printer: RememberedPrinter, bytes: Uint8Array, apis: PrinterApis) {
  if (!apis.serial) throw new PrinterError(unsupported('serial'));
  const ports = await apis.serial.getPorts();
  const port =
    ports.find(
      (candidate) =>
        candidate.getInfo().usbVendorId === printer.usbVendorId &&
        candidate.getInfo().usbProductId === printer.usbProductId,
    ) ?? (printer.usbVendorId === undefined ? ports[0] : undefined);
  if (!port) throw new PrinterError(notGranted(printer));
  await port.open({ baudRate: SERIAL_BAUD_RATE });
  try {
    if (!port.writable) throw new PrinterError(`${printer.name} cannot be written to.`);
    const writer = port.writable.getWriter();
    try {
      await writer.write(bytes);
    } finally {
      writer.releaseLock();
    }
  } finally {
    await port.close().catch(() => undefined);
  }
}

async function writeUsb(printer: RememberedPrinter, bytes: Uint8Array, apis: PrinterApis) {
  if (!apis.usb) throw new PrinterError(unsupported('usb'));
  const device = (await apis.usb.getDevices()).find(
    (candidate) => candidate.vendorId === printer.usbVendorId && candidate.productId === printer.usbProductId,
  );
  if (!device) throw new PrinterError(notGranted(printer));
  await device.open();
  try {
    if (device.configuration === null) await device.selectConfiguration(1);
    const target = device.configuration?.interfaces
      .filter((candidate) => candidate.alternate.interfaceClass === USB_PRINTER_CLASS)
      .map((candidate) => ({
        number: candidate.interfaceNumber,
        endpoint: candidate.alternate.endpoints.find(
          (endpoint) => endpoint.direction === 'out' && endpoint.type === 'bulk',
        ),
      }))
      .find((candidate) => candidate.endpoint);
    if (!target?.endpoint) throw new PrinterError(`${printer.name} has no printer interface to send to.`);
    await device.claimInterface(target.number);
    try {
      const result = await device.transferOut(target.endpoint.endpointNumber, bytes);
      if (result.status !== 'ok')
        throw new PrinterError(`${printer.name} did not take the receipt (${result.status}).`);
    } finally {
      await device.releaseInterface(target.number).catch(() => undefined);
    }
  } finally {
    await device.close().catch(() => undefined);
  }
}

const hex = (value: number) => value.toString(16).padStart(4, '0');

function unsupported(kind: PrinterKind): string {
  return kind === 'serial'
    ? 'This browser cannot reach serial printers (no Web Serial). Use Print receipt, or a Chromium-based browser.'
    : 'This browser cannot reach USB printers (no WebUSB). Use Print receipt, or a Chromium-based browser.';
}

function notGranted(printer: RememberedPrinter): string {
  return `${printer.name} is not plugged in, or the browser no longer allows it: connect it again under Sync → Receipt printer.`;
}

/** The browser's DOMExceptions in words for the counter. */
function asPrinterError(error: unknown, doing: 'connect' | 'print'): PrinterError {
  if (error instanceof PrinterError) return error;
  const name = (error as { name?: unknown }).name;
  if (name === 'NotFoundError')
    return new PrinterError(
      doing === 'connect'
        ? 'No printer was chosen. Plug the printer in, then choose it in the browser’s list.'
        : 'The printer was not found: is it plugged in and switched on?',
    );
  if (name === 'SecurityError' || name === 'NotAllowedError')
    return new PrinterError(
      'The browser does not allow the till to use this printer (a policy or a refused prompt).',
    );
  if (name === 'InvalidStateError')
    return new PrinterError(
      'The printer is busy: another program or tab is using it. Close that, then try again.',
    );
  if (name === 'NetworkError')
    return new PrinterError(
      'The printer could not be opened or stopped answering: check its cable and power.',
    );
  return new PrinterError(
    `The printer failed: ${error instanceof Error ? error.message : String(error)}. Check it, or use Print receipt.`,
  );
}
