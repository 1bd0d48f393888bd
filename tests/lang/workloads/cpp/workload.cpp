// Threads, a scratch file in /tmp, clocks, randomness, sorting, containers,
// a big allocation, stdin to the end, some output (see workload.c).
#include <bits/stdc++.h>
using namespace std;

int main() {
    vector<thread> ts;
    vector<long> r(4);
    for (int i = 0; i < 4; i++)
        ts.emplace_back([&r, i] { long s = 0; for (long k = 0; k < 1000000; k++) s += k % 7; r[i] = s; });
    for (auto &t : ts) t.join();
    { ofstream f("/tmp/workload.txt"); f << r[0] << "\n"; }
    { ifstream f("/tmp/workload.txt"); long back; f >> back; if (back != r[0]) return 1; }
    remove("/tmp/workload.txt");
    auto t0 = chrono::steady_clock::now();
    this_thread::sleep_for(chrono::milliseconds(1));
    random_device rd;
    mt19937 gen(rd());
    vector<int> xs(100000);
    for (auto &x : xs) x = gen();
    sort(xs.begin(), xs.end());
    map<int, int> m;
    for (int i = 0; i < 1000; i++) m[xs[i] % 97]++;
    vector<char> big(64 << 20, 1);
    string line;
    int lines = 0;
    while (getline(cin, line)) lines++;
    for (int i = 0; i < 300; i++) cout << "line " << i << " " << fixed << setprecision(3) << sqrt((double) i) << "\n";
    (void) t0;
    cout << "stdin lines " << lines << "\nworkload ok" << endl;
}
