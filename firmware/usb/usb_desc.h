/*
 * The descriptors of the one CDC-ACM function (USB 2.0 chapter 9.6, CDC
 * 1.2 with PSTN 1.2 for ACM, the IAD ECN): endpoint numbers, sizes and the
 * builders the control code answers GET_DESCRIPTOR from.  The tests use the
 * constants to know what to expect; the bytes themselves are checked
 * against the specification's rules, not against this file.
 */
#ifndef WISUSB_DESC_H
#define WISUSB_DESC_H

#include <stddef.h>
#include <stdint.h>

/* The RAK4631 application IDs (Adafruit's VID), so existing udev rules and
 * libwisrpc's discovery match; -DWISUSB_DEFAULT_VID=... changes them. */
#ifndef WISUSB_DEFAULT_VID
#define WISUSB_DEFAULT_VID 0x239Au
#endif
#ifndef WISUSB_DEFAULT_PID
#define WISUSB_DEFAULT_PID 0x8029u
#endif
#define WISUSB_BCD_DEVICE 0x0100u

#define WISUSB_EP0_MPS 64u
#define WISUSB_BULK_MPS 64u /* full speed bulk maximum (USB 2.0 5.8.3) */
#define WISUSB_NOTIFY_MPS 16u

#define WISUSB_EP_NOTIFY 0x81u /* interrupt IN: CDC notifications (none sent)  */
#define WISUSB_EP_OUT 0x02u    /* bulk OUT: host to device bytes               */
#define WISUSB_EP_IN 0x82u     /* bulk IN: device to host bytes                */
#define WISUSB_IF_COMM 0u
#define WISUSB_IF_DATA 1u

/* String indexes; 0 is the language list. */
enum {
	WISUSB_STR_LANGID,
	WISUSB_STR_MANUFACTURER,
	WISUSB_STR_PRODUCT,
	WISUSB_STR_SERIAL,
	WISUSB_STR_COUNT
};
/* bLength is one byte: at most 126 UTF-16 code units fit. */
#define WISUSB_STRING_MAX 254u

#define WISUSB_CONFIG_TOTAL 75u /* configuration descriptor, all of it */

/* The 18-byte device descriptor for vid:pid. */
void wisusb__desc_device(uint8_t out[18], uint16_t vid, uint16_t pid);
/* The configuration descriptor with everything below it. */
const uint8_t *wisusb__desc_config(size_t *len);
/* String descriptor index (0 = LANGID) built into out (WISUSB_STRING_MAX
 * bytes) from s, ASCII; returns its length, 0 for an unknown index/text. */
size_t wisusb__desc_string(uint8_t *out, const char *s, unsigned index);

/* The serial number text: FICR DEVICEID[1] then DEVICEID[0], each as eight
 * upper-case hex digits, NUL-terminated (17 bytes). */
void wisusb_serial_from_deviceid(uint32_t id0, uint32_t id1, char out[17]);

#endif
