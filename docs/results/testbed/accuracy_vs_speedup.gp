set terminal pngcairo noenhanced size 900,600
set output "docs/results/testbed/accuracy_vs_speedup.png"
set xlabel "Speed-up over large (x)"
set ylabel "Pass@1 (%)"
set grid
set key outside right top
set offsets graph 0.1, graph 0.25, graph 0.1, graph 0.1
plot "docs/results/testbed/accuracy_vs_speedup.dat" index 0 using 1:3:2 with xerrorbars pt 7 title "testbed", '' index 0 using 1:3:4 with labels offset char 1,0.7 left notitle
set terminal svg noenhanced size 900,600
set output "docs/results/testbed/accuracy_vs_speedup.svg"
replot
set output
