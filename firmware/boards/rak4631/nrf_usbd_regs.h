/*
 * nRF52840 registers used by the USB port (usbd_nrf52.c): USBD, the USB
 * supply part of POWER, the HFXO part of CLOCK, FICR.DEVICEID and the NVIC
 * enable for the USBD interrupt.  Sources: nRF52840 Product Specification
 * v1.7 (PS): USBD chapter 6.35 and its register table; POWER chapter
 * (USB supply: USBDETECTED/USBREMOVED/USBPWRRDY, USBREGSTATUS); CLOCK
 * chapter (HFCLKSTART, HFCLKSTAT); FICR chapter (DEVICEID); the memory
 * map's instantiation table (USBD: ID 39 at 0x40027000; POWER and CLOCK
 * share 0x40000000).  NVIC_ISER: ARMv7-M Architecture Reference Manual
 * B3.4.  Errata registers: the nRF52840 errata sheet (anomalies 171, 187,
 * 199, 223).  Only what the port uses; offsets relative to each base.
 * The offsets were cross-checked against Nordic's published register
 * layouts (the SVD-derived structures) while writing this file.
 */
#ifndef NRF_USBD_REGS_H
#define NRF_USBD_REGS_H

#include <stdint.h>

#ifdef WISUSB_NRF_HOST
/* Host test build (tests/usb/test_usb_nrf.c): the address space is a model
 * that the test drives as the hardware would. */
volatile uint32_t *wisusb_nrf_host_reg(uint32_t addr);
uint8_t *wisusb_nrf_host_ram(uint32_t addr);
#define NRF_REG(base, off) (*wisusb_nrf_host_reg((uint32_t)(base) + (uint32_t)(off)))
#else
#define NRF_REG(base, off) (*(volatile uint32_t *)((uintptr_t)(base) + (off)))
#endif

/* --- USBD (PS 6.35.13 Registers) ------------------------------------------ */
#define USBD_BASE 0x40027000u
#define USBD_IRQN 39u /* peripheral ID = interrupt number (PS 6.1) */

#define USBD_TASKS_STARTEPIN(n) (0x004u + 4u * (n))
#define USBD_TASKS_STARTEPOUT(n) (0x028u + 4u * (n))
#define USBD_TASKS_EP0RCVOUT 0x04Cu /* allow the OUT data stage of EP0 */
#define USBD_TASKS_EP0STATUS 0x050u /* allow the status stage of EP0   */
#define USBD_TASKS_EP0STALL 0x054u

#define USBD_EVENTS_USBRESET 0x100u
#define USBD_EVENTS_STARTED 0x104u
#define USBD_EVENTS_ENDEPIN(n) (0x108u + 4u * (n))
#define USBD_EVENTS_EP0DATADONE 0x128u
#define USBD_EVENTS_ENDEPOUT(n) (0x130u + 4u * (n))
#define USBD_EVENTS_SOF 0x154u
#define USBD_EVENTS_USBEVENT 0x158u
#define USBD_EVENTS_EP0SETUP 0x15Cu
#define USBD_EVENTS_EPDATA 0x160u

/* Interrupt enable bit of an event = (event offset - 0x100) / 4. */
#define USBD_INT_BIT(evoff) (1u << (((evoff)-0x100u) / 4u))
#define USBD_INTEN 0x300u
#define USBD_INTENSET 0x304u
#define USBD_INTENCLR 0x308u

#define USBD_EVENTCAUSE 0x400u /* write 1 to clear a bit */
#define USBD_EVENTCAUSE_SUSPEND (1u << 8)
#define USBD_EVENTCAUSE_RESUME (1u << 9)
#define USBD_EVENTCAUSE_READY (1u << 11) /* USBD ready after ENABLE */

#define USBD_EPSTATUS 0x468u
#define USBD_EPDATASTATUS 0x46Cu                     /* write 1 to clear a bit */
#define USBD_EPDATASTATUS_IN(n) (1u << (n))          /* IN n acknowledged by the host */
#define USBD_EPDATASTATUS_OUT(n) (1u << (16u + (n))) /* OUT n data in the buffer      */
#define USBD_USBADDR 0x470u

/* The SETUP packet's eight bytes, one register each. */
#define USBD_BMREQUESTTYPE 0x480u
#define USBD_BREQUEST 0x484u
#define USBD_WVALUEL 0x488u
#define USBD_WVALUEH 0x48Cu
#define USBD_WINDEXL 0x490u
#define USBD_WINDEXH 0x494u
#define USBD_WLENGTHL 0x498u
#define USBD_WLENGTHH 0x49Cu

/* Bytes last received on OUT n; writing any value lets the endpoint
 * accept the next packet. */
#define USBD_SIZE_EPOUT(n) (0x4A0u + 4u * (n))

#define USBD_ENABLE 0x500u
#define USBD_USBPULLUP 0x504u
#define USBD_DTOGGLE 0x50Cu /* EP[2:0], IO bit 7 (1 = IN), VALUE[9:8] */
#define USBD_DTOGGLE_DATA0 (1u << 8)
#define USBD_EPINEN 0x510u
#define USBD_EPOUTEN 0x514u
#define USBD_EPSTALL 0x518u /* EP[2:0], IO bit 7 (1 = IN), STALL bit 8 */
#define USBD_EPSTALL_STALL (1u << 8)
#define USBD_EP_IO_IN (1u << 7)

/* EasyDMA per endpoint: PTR, MAXCNT, AMOUNT; 0x14 apart. */
#define USBD_EPIN_PTR(n) (0x600u + 0x14u * (n))
#define USBD_EPIN_MAXCNT(n) (0x604u + 0x14u * (n))
#define USBD_EPOUT_PTR(n) (0x700u + 0x14u * (n))
#define USBD_EPOUT_MAXCNT(n) (0x704u + 0x14u * (n))
#define USBD_EPOUT_AMOUNT(n) (0x708u + 0x14u * (n))

/* --- POWER and CLOCK (one block at 0x40000000; PS 5.3.7, 5.4.3) ------------ */
#define POWER_BASE 0x40000000u
#define POWER_EVENTS_USBDETECTED 0x11Cu
#define POWER_EVENTS_USBREMOVED 0x120u
#define POWER_EVENTS_USBPWRRDY 0x124u
#define POWER_USBREGSTATUS 0x438u
#define POWER_USBREGSTATUS_VBUSDETECT (1u << 0)
#define POWER_USBREGSTATUS_OUTPUTRDY (1u << 1)

#define CLOCK_BASE 0x40000000u
#define CLOCK_TASKS_HFCLKSTART 0x000u
#define CLOCK_HFCLKSTAT 0x40Cu
#define CLOCK_HFCLKSTAT_SRC_XTAL (1u << 0)
#define CLOCK_HFCLKSTAT_RUNNING (1u << 16)

/* --- FICR (PS 4.4.2) -------------------------------------------------------- */
#define FICR_BASE 0x10000000u
#define FICR_DEVICEID(n) (0x060u + 4u * (n))

/* --- NVIC (ARMv7-M ARM B3.4.4): set-enable, 32 interrupts per register ------ */
#define NVIC_ISER(n) (0xE000E100u + 4u * (n))

/* --- errata registers (nRF52840 Rev 1/2/3 errata sheets) -------------------- */
/* 171 "USBD might not reach its active state" and 187 "USB cannot be
 * enabled": undocumented registers written around ENABLE; 199 "USBD cannot
 * receive tasks during DMA": a register set while EasyDMA runs. */
#define ERRATA_USBD_UNLOCK 0x4006EC00u /* written 0x00009375 around each change */
#define ERRATA_USBD_UNLOCK_KEY 0x00009375u
#define ERRATA_171_REG 0x4006EC14u /* 0xC0 before ENABLE, 0 after READY */
#define ERRATA_187_REG 0x4006ED14u /* 3 before ENABLE, 0 after READY    */
#define ERRATA_199_REG 0x40027C1Cu /* 0x82 while EasyDMA runs, else 0   */

/* FICR DEVICEID as the USB serial number (usb_desc.h's format). */
void wisfw_usbd_serial(char out[17]);

#endif
