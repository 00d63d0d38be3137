// Hardware in the loop: StandardFirmata's real firmware on an emulated ATmega328P (simavr), its UART0
// on a pseudo-terminal the edge agent opens as if it were /dev/ttyACM0. Runs at real time (the
// emulated clock is paced to the wall clock), so Firmata's sampling interval means what it says.
//
//   uno-harness <firmware.hex>
// stdout: "pty <path>" once the UART is on the pty, then "pin <arduino pin> <o|i> <0|1|z> <µs>" at
//         reset and on every change of a pin's mode or level (an input reads 1 with its pull-up on,
//         z when floating), with the emulated time since power-on.
//         "i2cw <addr> <register> <hex bytes>" when the firmware writes to a chip on the I2C bus (at
//         its stop condition; register -1 for an opcode-only chip).
// stdin:  "adc <channel> <millivolts>" (AVCC is 5000 mV), "pause" (the board hangs: no bytes),
//         "resume", "reset" (a brown-out: the firmware starts again), "quit".
//         I2C chips are register files: "i2c-rom <addr> <register> <hex>" sets power-on contents
//         (factory trimming, ids, reset values), "i2c <addr> <register> <hex>" sets the live ones (a
//         new measurement), "i2c-plain <addr>" makes a chip without registers (every read starts at
//         0, writes are opcodes), "i2c-off"/"i2c-on <addr>" unplug and plug it (no acknowledge),
//         "i2c-reset <addr>" a chip brown-out (live contents back to power-on).
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <simavr/sim_avr.h>
#include <simavr/sim_hex.h>
#include <simavr/avr_ioport.h>
#include <simavr/avr_adc.h>
#include <simavr/avr_twi.h>
#include <simavr/parts/uart_pty.h>

static avr_t *avr;
static uart_pty_t uart;
// ATmega328P data-space addresses of DDRx and PORTx (datasheet, register summary).
static const struct { char name; int ddr, port, first_pin, count; } ports[] = {
  { 'D', 0x2A, 0x2B, 0, 8 },  // D0-D7
  { 'B', 0x24, 0x25, 8, 6 },  // D8-D13
  { 'C', 0x27, 0x28, 14, 6 }, // A0-A5 as D14-D19
};
static char last[20][8];

static void report(int which, uint8_t ddr, uint8_t port) {
  for (int b = 0; b < ports[which].count; b++) {
    int out = (ddr >> b) & 1, level = (port >> b) & 1;
    char now[8];
    snprintf(now, sizeof now, "%c %c", out ? 'o' : 'i', out ? '0' + level : (level ? '1' : 'z'));
    int pin = ports[which].first_pin + b;
    if (strcmp(now, last[pin]) != 0) {
      strcpy(last[pin], now);
      printf("pin %d %s %llu\n", pin, now, (unsigned long long)(avr->cycle / (avr->frequency / 1000000)));
    }
  }
}

// A DDR write raises its IRQ before the register changes, a PORT write after: take the new value
// of the register being written from the IRQ, the other from data space.
static void on_ddr(struct avr_irq_t *irq, uint32_t value, void *param) {
  int which = (int)(intptr_t)param;
  report(which, (uint8_t)value, avr->data[ports[which].port]);
}
static void on_port(struct avr_irq_t *irq, uint32_t value, void *param) {
  int which = (int)(intptr_t)param;
  report(which, avr->data[ports[which].ddr], (uint8_t)value);
}

// The I2C bus: chips answer what the firmware's TWI master asks, through simavr's TWI messages.
typedef struct { int present, on, plain; uint8_t rom[256], live[256]; } chip_t;
static chip_t chips[128];
static avr_irq_t *bus;
static int selected = -1, want_register, writing_register = -2;
static uint8_t pointer;
static char written[256 * 3];

static void end_write(void) {
  if (selected >= 0 && written[0]) printf("i2cw %d %d %s\n", selected, writing_register, written);
  writing_register = -2;
  written[0] = 0;
}

static void on_twi(struct avr_irq_t *irq, uint32_t value, void *param) {
  avr_twi_msg_irq_t m;
  m.u.v = value;
  if (m.u.twi.msg & TWI_COND_STOP) { end_write(); selected = -1; }
  if (m.u.twi.msg & TWI_COND_START) {
    end_write();
    selected = -1;
    int a = m.u.twi.addr >> 1;
    if (chips[a].present && chips[a].on) {
      selected = a;
      want_register = !(m.u.twi.addr & 1) && !chips[a].plain; // a write starts with the register
      if (chips[a].plain) { pointer = 0; if (!(m.u.twi.addr & 1)) writing_register = -1; }
      avr_raise_irq(bus + TWI_IRQ_INPUT, avr_twi_irq_msg(TWI_COND_ACK, m.u.twi.addr, 1));
    }
  }
  if (selected < 0) return;
  chip_t *c = &chips[selected];
  if (m.u.twi.msg & TWI_COND_WRITE) {
    avr_raise_irq(bus + TWI_IRQ_INPUT, avr_twi_irq_msg(TWI_COND_ACK, m.u.twi.addr, 1));
    if (want_register) { pointer = m.u.twi.data; writing_register = pointer; want_register = 0; }
    else {
      if (!c->plain) c->live[pointer++] = m.u.twi.data;
      snprintf(written + strlen(written), 4, "%02x", m.u.twi.data);
    }
  }
  if (m.u.twi.msg & TWI_COND_READ) {
    avr_raise_irq(bus + TWI_IRQ_INPUT, avr_twi_irq_msg(TWI_COND_READ, m.u.twi.addr, c->live[pointer++]));
  }
}

static void set_bytes(uint8_t *to, int reg, const char *hex) {
  for (unsigned b; reg < 256 && sscanf(hex, "%2x", &b) == 1; hex += 2) to[reg++] = (uint8_t)b;
}

static void i2c_command(const char *line) {
  int a, reg, n = 0;
  char hex[520] = "";
  if (sscanf(line, "i2c-rom %d %d %519s", &a, &reg, hex) == 3 && a >= 0 && a < 128 && reg >= 0) {
    chips[a].present = chips[a].present || (chips[a].on = 1);
    set_bytes(chips[a].rom, reg, hex);
    set_bytes(chips[a].live, reg, hex);
  } else if (sscanf(line, "i2c %d %d %519s", &a, &reg, hex) == 3 && a >= 0 && a < 128 && reg >= 0) {
    chips[a].present = chips[a].present || (chips[a].on = 1);
    set_bytes(chips[a].live, reg, hex);
  } else if (sscanf(line, "i2c-plain %d%n", &a, &n) == 1 && n && a >= 0 && a < 128) {
    chips[a].present = chips[a].present || (chips[a].on = 1);
    chips[a].plain = 1;
  } else if (sscanf(line, "i2c-off %d", &a) == 1 && a >= 0 && a < 128) chips[a].on = 0;
  else if (sscanf(line, "i2c-on %d", &a) == 1 && a >= 0 && a < 128) chips[a].on = 1;
  else if (sscanf(line, "i2c-reset %d", &a) == 1 && a >= 0 && a < 128) memcpy(chips[a].live, chips[a].rom, 256);
  else fprintf(stderr, "uno-harness: not understood: %s\n", line);
}

static double wall_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: uno-harness <firmware.hex>\n"); return 2; }
  uint32_t size = 0, start = 0;
  uint8_t *code = read_ihex_file(argv[1], &size, &start);
  if (!code) { fprintf(stderr, "cannot read %s\n", argv[1]); return 1; }
  avr = avr_make_mcu_by_name("atmega328p");
  avr_init(avr);
  avr->frequency = 16000000;
  avr->vcc = avr->avcc = avr->aref = 5000;
  memcpy(avr->flash + start, code, size);
  avr->codeend = avr->flashend;
  avr->pc = start;
  for (int i = 0; i < 20; i++) strcpy(last[i], "?");
  for (int p = 0; p < 3; p++) {
    avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ(ports[p].name), IOPORT_IRQ_DIRECTION_ALL), on_ddr, (void *)(intptr_t)p);
    avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ(ports[p].name), IOPORT_IRQ_REG_PORT), on_port, (void *)(intptr_t)p);
    report(p, 0, 0); // power-on: every pin an input, no pull-up
  }
  static const char *bus_names[2] = { "8>chips.in", "32<chips.out" };
  bus = avr_alloc_irq(&avr->irq_pool, 0, 2, bus_names);
  avr_irq_register_notify(bus + TWI_IRQ_OUTPUT, on_twi, NULL);
  avr_connect_irq(bus + TWI_IRQ_INPUT, avr_io_getirq(avr, AVR_IOCTL_TWI_GETIRQ(0), TWI_IRQ_INPUT));
  avr_connect_irq(avr_io_getirq(avr, AVR_IOCTL_TWI_GETIRQ(0), TWI_IRQ_OUTPUT), bus + TWI_IRQ_OUTPUT);
  uart_pty_init(avr, &uart);
  uart_pty_connect(&uart, '0');
  printf("pty %s\n", uart.pty.slavename);
  fflush(stdout);
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);

  char line[640];
  size_t used = 0;
  int paused = 0;
  double t0 = wall_us();
  avr_cycle_count_t c0 = avr->cycle;
  for (;;) {
    if (!paused) {
      for (int i = 0; i < 1600; i++) {
        int state = avr_run(avr);
        if (state == cpu_Done || state == cpu_Crashed) { fprintf(stderr, "cpu stopped (%d)\n", state); return 1; }
      }
    }
    // Pace the emulated clock to the wall clock.
    double ahead = (double)(avr->cycle - c0) / 16.0 - (wall_us() - t0);
    if (paused) { t0 = wall_us(); c0 = avr->cycle; usleep(1000); }
    else if (ahead > 200) usleep((useconds_t)ahead);
    ssize_t n = read(0, line + used, sizeof line - 1 - used);
    if (n == 0) return 0; // stdin closed: the test is gone
    if (n > 0) used += (size_t)n;
    char *nl;
    while ((nl = memchr(line, '\n', used))) {
      *nl = 0;
      int ch, mv;
      if (sscanf(line, "adc %d %d", &ch, &mv) == 2 && ch >= 0 && ch < 8) avr_raise_irq(avr_io_getirq(avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_ADC0 + ch), (uint32_t)mv);
      else if (!strcmp(line, "pause")) paused = 1;
      else if (!strcmp(line, "resume")) paused = 0;
      else if (!strcmp(line, "reset")) { avr_reset(avr); for (int p = 0; p < 3; p++) report(p, 0, 0); }
      else if (!strcmp(line, "quit")) return 0;
      else if (!strncmp(line, "i2c", 3)) i2c_command(line);
      used -= (size_t)(nl + 1 - line);
      memmove(line, nl + 1, used);
    }
    fflush(stdout);
  }
}
