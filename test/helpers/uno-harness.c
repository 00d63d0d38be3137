// Hardware in the loop: StandardFirmata's real firmware on an emulated ATmega328P (simavr), its UART0
// on a pseudo-terminal the edge agent opens as if it were /dev/ttyACM0. Runs at real time (the
// emulated clock is paced to the wall clock), so Firmata's sampling interval means what it says.
//
//   uno-harness <firmware.hex>
// stdout: "pty <path>" once the UART is on the pty, then "pin <arduino pin> <o|i> <0|1|z> <µs>" at
//         reset and on every change of a pin's mode or level (an input reads 1 with its pull-up on,
//         z when floating), with the emulated time since power-on.
// stdin:  "adc <channel> <millivolts>" (AVCC is 5000 mV), "pause" (the board hangs: no bytes),
//         "resume", "reset" (a brown-out: the firmware starts again), "quit".
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
  uart_pty_init(avr, &uart);
  uart_pty_connect(&uart, '0');
  printf("pty %s\n", uart.pty.slavename);
  fflush(stdout);
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);

  char line[128];
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
      used -= (size_t)(nl + 1 - line);
      memmove(line, nl + 1, used);
    }
    fflush(stdout);
  }
}
