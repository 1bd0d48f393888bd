#include <bits/stdc++.h>
using namespace std;

int main() {
    int n; cin >> n;
    vector<long long> xs(n);
    for (auto &x : xs) cin >> x;
    vector<int> d{1};
    for (int k = 2; k <= 100; k++) {
        int carry = 0;
        for (auto &v : d) { int t = v * k + carry; v = t % 10; carry = t / 10; }
        while (carry) { d.push_back(carry % 10); carry /= 10; }
    }
    string big; for (auto it = d.rbegin(); it != d.rend(); ++it) big += char('0' + *it);
    thread th([] {}); th.join();
    map<int, int> m; set<int> s; unordered_map<int, int> u; priority_queue<int> pq;
    cout << "sum=" << accumulate(xs.begin(), xs.end(), 0LL) << " big=" << big << " ok" << endl;
}
