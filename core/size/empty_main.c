/* empty_main.c — the baseline image for `make size-decode` (C runtime only). */
int main(void);
int main(void)
{
  return 0;
}
